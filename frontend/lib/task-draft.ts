import type { Priority, Recurrence, Task, TaskCreate } from "./api-types";
import { isoToLocalInput, localInputToIso } from "./dates";
import { DESCRIPTION_MAX, parseTags, validateTags, validateTitle } from "./validation";

/** What a task form edits: strings as typed, converted to the API shape on submit. */
export interface TaskDraft {
  title: string;
  description: string;
  priority: Priority;
  tagsText: string;
  dueLocal: string;
  recurrence: Recurrence;
}

export type TaskDraftErrors = Partial<Record<keyof TaskDraft, string>>;

export const EMPTY_DRAFT: TaskDraft = {
  title: "",
  description: "",
  priority: "none",
  tagsText: "",
  dueLocal: "",
  recurrence: "none",
};

export function draftFromTask(task: Task): TaskDraft {
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    tagsText: task.tags.join(", "),
    dueLocal: isoToLocalInput(task.due_at),
    recurrence: task.recurrence,
  };
}

export function validateDraft(draft: TaskDraft): TaskDraftErrors {
  const errors: TaskDraftErrors = {};
  const title = validateTitle(draft.title);
  if (title) errors.title = title;
  if (draft.description.length > DESCRIPTION_MAX) errors.description = `Keep the description under ${DESCRIPTION_MAX} characters.`;
  const tags = validateTags(parseTags(draft.tagsText));
  if (tags) errors.tagsText = tags;
  if (draft.dueLocal && !localInputToIso(draft.dueLocal)) errors.dueLocal = "Enter a valid date and time.";
  if (draft.recurrence !== "none" && !draft.dueLocal) errors.recurrence = "A repeating task needs a due date.";
  return errors;
}

export function draftToPayload(draft: TaskDraft): TaskCreate {
  return {
    title: draft.title.trim(),
    description: draft.description.trim() ? draft.description.trim() : null,
    priority: draft.priority,
    tags: parseTags(draft.tagsText),
    due_at: localInputToIso(draft.dueLocal),
    recurrence: draft.recurrence,
  };
}

/** Maps a 422's field names (API) back onto the form's fields. */
export function serverErrorsToDraft(fieldErrors: Record<string, string>): TaskDraftErrors {
  const map: Record<string, keyof TaskDraft> = {
    title: "title",
    description: "description",
    priority: "priority",
    tags: "tagsText",
    due_at: "dueLocal",
    recurrence: "recurrence",
  };
  const errors: TaskDraftErrors = {};
  for (const [field, message] of Object.entries(fieldErrors)) {
    const key = map[field];
    if (key) errors[key] = message;
  }
  return errors;
}
