import type { Priority, Recurrence, SortKey } from "./api-types";

export const PRIORITY_LABELS: Record<Priority, string> = {
  none: "No priority",
  low: "Low",
  medium: "Medium",
  high: "High",
};

export const RECURRENCE_LABELS: Record<Recurrence, string> = {
  none: "Does not repeat",
  daily: "Every day",
  weekly: "Every week",
  monthly: "Every month",
  yearly: "Every year",
};

export const SORT_LABELS: Partial<Record<SortKey, string>> = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  due_at: "Due date (soonest)",
  "-priority": "Priority (highest)",
  title: "Title (A–Z)",
  "-updated_at": "Recently updated",
};
