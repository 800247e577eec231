// Due-date helpers. "Today" and "overdue" are judged in the browser's time zone, which is the user's.

export type DueState = "overdue" | "today" | "upcoming" | "none";

function sameLocalDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function dueState(dueAt: string | null, completed: boolean, now: Date = new Date()): DueState {
  if (!dueAt || completed) return "none";
  const due = new Date(dueAt);
  if (due.getTime() < now.getTime()) return "overdue";
  if (sameLocalDay(due, now)) return "today";
  return "upcoming";
}

export function formatDue(dueAt: string, now: Date = new Date()): string {
  const due = new Date(dueAt);
  const time = due.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  if (sameLocalDay(due, now)) return `Today ${time}`;
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  if (sameLocalDay(due, tomorrow)) return `Tomorrow ${time}`;
  const sameYear = due.getFullYear() === now.getFullYear();
  const date = due.toLocaleDateString(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
  });
  return `${date} ${time}`;
}

/** `<input type="datetime-local">` value (local wall time) -> ISO 8601 with offset (UTC). */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** ISO 8601 -> `<input type="datetime-local">` value in the browser's time zone. */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
