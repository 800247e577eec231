"use client";

import * as React from "react";
import { Button } from "@/components/ui/button";
import { DialogFooter } from "@/components/ui/dialog";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { TaskDetailsFields } from "./task-details-fields";
import { ApiError } from "@/lib/api";
import type { Task, TaskCreate } from "@/lib/api-types";
import {
  draftFromTask,
  draftToPayload,
  serverErrorsToDraft,
  validateDraft,
  type TaskDraft,
  type TaskDraftErrors,
} from "@/lib/task-draft";

interface Props {
  task: Task;
  onClose: () => void;
  onSave: (task: Task, input: TaskCreate) => Promise<void>;
}

/** Every field of one task; validates like the API and shows the API's messages. */
export function TaskEditForm({ task, onClose, onSave }: Props) {
  const [draft, setDraft] = React.useState<TaskDraft>(() => draftFromTask(task));
  const [errors, setErrors] = React.useState<TaskDraftErrors>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [pending, setPending] = React.useState(false);
  const change = (patch: Partial<TaskDraft>) => setDraft((d) => ({ ...d, ...patch }));

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateDraft(draft);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setPending(true);
    try {
      await onSave(task, draftToPayload(draft));
      onClose();
    } catch (error) {
      if (error instanceof ApiError) {
        setErrors(serverErrorsToDraft(error.fieldErrors));
        setFormError(error.message);
      } else {
        setFormError("Could not save the task.");
      }
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      {formError && (
        <p role="alert" className="text-sm text-destructive">
          {formError}
        </p>
      )}
      <div className="grid gap-1.5">
        <Label htmlFor="edit-title">Title</Label>
        <Input
          id="edit-title"
          value={draft.title}
          onChange={(e) => change({ title: e.target.value })}
          aria-invalid={Boolean(errors.title)}
          aria-describedby={errors.title ? "edit-title-error" : undefined}
        />
        <FieldError id="edit-title-error" message={errors.title} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="edit-description">Notes</Label>
        <Textarea
          id="edit-description"
          value={draft.description}
          onChange={(e) => change({ description: e.target.value })}
          aria-invalid={Boolean(errors.description)}
          aria-describedby={errors.description ? "edit-description-error" : undefined}
        />
        <FieldError id="edit-description-error" message={errors.description} />
      </div>
      <TaskDetailsFields idPrefix="edit" draft={draft} errors={errors} onChange={change} />
      <DialogFooter>
        <Button variant="outline" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save changes"}
        </Button>
      </DialogFooter>
    </form>
  );
}
