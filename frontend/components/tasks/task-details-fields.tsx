"use client";

import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PrioritySelect } from "./priority-select";
import { RecurrenceSelect } from "./recurrence-select";
import type { TaskDraft, TaskDraftErrors } from "@/lib/task-draft";

interface Props {
  idPrefix: string;
  draft: TaskDraft;
  errors: TaskDraftErrors;
  onChange: (patch: Partial<TaskDraft>) => void;
}

/** Priority, tags, due date and recurrence: shared by quick add and the edit dialog. */
export function TaskDetailsFields({ idPrefix, draft, errors, onChange }: Props) {
  const id = (name: string) => `${idPrefix}-${name}`;
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <div className="grid gap-1.5">
        <Label htmlFor={id("priority")}>Priority</Label>
        <PrioritySelect id={id("priority")} value={draft.priority} onChange={(priority) => onChange({ priority })} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={id("tags")}>Tags</Label>
        <Input
          id={id("tags")}
          placeholder="work, errands"
          value={draft.tagsText}
          onChange={(e) => onChange({ tagsText: e.target.value })}
          aria-invalid={Boolean(errors.tagsText)}
          aria-describedby={`${id("tags-hint")}${errors.tagsText ? ` ${id("tags-error")}` : ""}`}
        />
        <p id={id("tags-hint")} className="text-xs text-muted-foreground">
          Separate tags with commas.
        </p>
        <FieldError id={id("tags-error")} message={errors.tagsText} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={id("due")}>Due</Label>
        <Input
          id={id("due")}
          type="datetime-local"
          value={draft.dueLocal}
          onChange={(e) => onChange({ dueLocal: e.target.value })}
          aria-invalid={Boolean(errors.dueLocal)}
          aria-describedby={errors.dueLocal ? id("due-error") : undefined}
        />
        <FieldError id={id("due-error")} message={errors.dueLocal} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={id("recurrence")}>Repeat</Label>
        <RecurrenceSelect
          id={id("recurrence")}
          value={draft.recurrence}
          onChange={(recurrence) => onChange({ recurrence })}
          describedBy={errors.recurrence ? id("recurrence-error") : undefined}
        />
        <FieldError id={id("recurrence-error")} message={errors.recurrence} />
      </div>
    </div>
  );
}
