// Types of the HTTP API contract (shared/design/API.md, v1), checked against the backend's
// OpenAPI schema by tests/unit/api-contract.test.ts when the schema is available.

export type Priority = "none" | "low" | "medium" | "high";
export type Recurrence = "none" | "daily" | "weekly" | "monthly" | "yearly";
export type TaskStatus = "all" | "active" | "completed";
export type BulkAction = "complete" | "reopen" | "delete";
export type SortKey =
  | "created_at"
  | "-created_at"
  | "due_at"
  | "-due_at"
  | "priority"
  | "-priority"
  | "title"
  | "-title"
  | "updated_at"
  | "-updated_at";

export interface User {
  id: string;
  email: string;
  name: string | null;
  created_at: string;
}

export interface Session {
  user: User;
  access_token: string;
  token_type: "bearer";
  expires_in: number;
}

export interface TaskCreate {
  title: string;
  description?: string | null;
  priority?: Priority;
  tags?: string[];
  due_at?: string | null;
  recurrence?: Recurrence;
}

export interface TaskUpdate extends Partial<TaskCreate> {
  completed?: boolean;
}

export interface Task {
  id: string;
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  due_at: string | null;
  recurrence: Recurrence;
  completed: boolean;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface TaskPage {
  items: Task[];
  total: number;
  limit: number;
  offset: number;
}

export interface TagCount {
  name: string;
  count: number;
}

export interface TaskQuery {
  status?: TaskStatus;
  priority?: Priority[];
  tag?: string[];
  q?: string;
  sort?: SortKey;
  limit?: number;
  offset?: number;
  overdue?: boolean;
}
