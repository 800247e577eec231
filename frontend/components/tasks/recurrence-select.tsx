"use client";

import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import type { Recurrence } from "@/lib/api-types";
import { RECURRENCE_LABELS } from "@/lib/task-labels";

export function RecurrenceSelect({
  id,
  value,
  onChange,
  describedBy,
}: {
  id: string;
  value: Recurrence;
  onChange: (value: Recurrence) => void;
  describedBy?: string;
}) {
  return (
    <Select value={value} onValueChange={(v) => onChange(v as Recurrence)}>
      <SelectTrigger id={id} aria-describedby={describedBy}>
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        {(Object.keys(RECURRENCE_LABELS) as Recurrence[]).map((r) => (
          <SelectItem key={r} value={r}>
            {RECURRENCE_LABELS[r]}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}
