"use client";

import * as React from "react";
import { ChevronDown, Plus } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { TaskDetailsFields } from "./task-details-fields";
import { ApiError } from "@/lib/api";
import type { TaskCreate } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import {
  EMPTY_DRAFT,
  draftToPayload,
  serverErrorsToDraft,
  validateDraft,
  type TaskDraft,
  type TaskDraftErrors,
} from "@/lib/task-draft";

interface Props {
  onCreate: (input: TaskCreate) => Promise<void>;
  inputRef: React.RefObject<HTMLInputElement | null>;
}

/** Type a title and press Enter; the details are one click (or Tab) away. */
export function QuickAdd({ onCreate, inputRef }: Props) {
  const [draft, setDraft] = React.useState<TaskDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = React.useState<TaskDraftErrors>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [expanded, setExpanded] = React.useState(false);
  const [pending, setPending] = React.useState(false);

  const change = (patch: Partial<TaskDraft>) => setDraft((d) => ({ ...d, ...patch }));

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateDraft(draft);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) {
      if (found.tagsText || found.dueLocal || found.recurrence) setExpanded(true);
      return;
    }
    setPending(true);
    try {
      await onCreate(draftToPayload(draft));
      setDraft(EMPTY_DRAFT);
      setErrors({});
      inputRef.current?.focus();
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
        setErrors(serverErrorsToDraft(error.fieldErrors));
        setFormError(error.message);
      } else {
        setFormError(error instanceof Error ? error.message : "Could not add the task.");
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <Card className="p-3 sm:p-4">
      <form onSubmit={onSubmit} noValidate aria-label="Add a task" className="grid gap-3">
        <div className="flex gap-2">
          <div className="min-w-0 flex-1">
            <label htmlFor="quick-add-title" className="sr-only">
              New task title
            </label>
            <Input
              id="quick-add-title"
              ref={inputRef}
              placeholder="Add a task… (press n)"
              autoComplete="off"
              value={draft.title}
              maxLength={400}
              onChange={(e) => change({ title: e.target.value })}
              aria-invalid={Boolean(errors.title)}
              aria-describedby={errors.title ? "quick-add-title-error" : undefined}
            />
          </div>
          <Button
            variant="outline"
            size="icon"
            onClick={() => setExpanded((v) => !v)}
            aria-expanded={expanded}
            aria-controls="quick-add-details"
            aria-label={expanded ? "Hide task options" : "Show task options"}
          >
            <ChevronDown className={cn("transition-transform", expanded && "rotate-180")} aria-hidden />
          </Button>
          <Button type="submit" disabled={pending}>
            <Plus aria-hidden />
            <span className="sr-only sm:not-sr-only">Add task</span>
          </Button>
        </div>
        <FieldError id="quick-add-title-error" message={errors.title} />
        {formError && !errors.title && (
          <p role="alert" className="text-sm text-destructive">
            {formError}
          </p>
        )}
        <div id="quick-add-details" hidden={!expanded}>
          {expanded && <TaskDetailsFields idPrefix="quick-add" draft={draft} errors={errors} onChange={change} />}
        </div>
      </form>
    </Card>
  );
}
