"use client";

import { CalendarClock, Pencil, Repeat, Trash2 } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import type { Task } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { dueState, formatDue } from "@/lib/dates";
import { PRIORITY_LABELS, RECURRENCE_LABELS } from "@/lib/task-labels";

interface Props {
  task: Task;
  selected: boolean;
  now: Date;
  onSelect: (selected: boolean) => void;
  onToggle: () => void;
  onEdit: () => void;
  onDelete: () => void;
}

export function TaskItem({ task, selected, now, onSelect, onToggle, onEdit, onDelete }: Props) {
  const state = dueState(task.due_at, task.completed, now);
  return (
    <li
      data-testid="task-item"
      data-task-id={task.id}
      data-completed={task.completed}
      data-due-state={state}
      className={cn(
        "group flex items-start gap-3 border-b border-l-4 border-l-transparent px-3 py-3 last:border-b-0 sm:px-4",
        selected && "bg-accent/50",
        state === "overdue" && "border-l-destructive",
        state === "today" && "border-l-warning",
      )}
    >
      <Checkbox
        checked={selected}
        onCheckedChange={(value) => onSelect(value === true)}
        aria-label={`Select "${task.title}"`}
        className="mt-0.5 size-4 rounded-sm opacity-70 group-hover:opacity-100 data-[state=checked]:opacity-100"
      />
      <Checkbox
        checked={task.completed}
        onCheckedChange={onToggle}
        aria-label={task.completed ? `Mark "${task.title}" as not done` : `Mark "${task.title}" as done`}
        className="mt-0 rounded-full data-[state=checked]:border-success data-[state=checked]:bg-success"
      />
      <div className="min-w-0 flex-1">
        <p className={cn("font-medium break-words", task.completed && "text-muted-foreground line-through")}>
          {task.title}
        </p>
        {task.description && (
          <p className="mt-0.5 line-clamp-2 text-sm break-words text-muted-foreground">{task.description}</p>
        )}
        <div className="mt-1.5 flex flex-wrap items-center gap-1.5">
          {task.priority !== "none" && (
            <Badge variant={task.priority}>{PRIORITY_LABELS[task.priority]} priority</Badge>
          )}
          {task.due_at && (
            <Badge variant={state === "overdue" ? "overdue" : state === "today" ? "today" : "outline"}>
              <CalendarClock className="size-3" aria-hidden />
              {state === "overdue" && <span>Overdue ·</span>}
              <time dateTime={task.due_at}>{formatDue(task.due_at, now)}</time>
            </Badge>
          )}
          {task.recurrence !== "none" && (
            <Badge variant="outline">
              <Repeat className="size-3" aria-hidden />
              {RECURRENCE_LABELS[task.recurrence]}
            </Badge>
          )}
          {task.tags.map((tag) => (
            <Badge key={tag} variant="default" data-testid="task-tag">
              #{tag}
            </Badge>
          ))}
        </div>
      </div>
      <div className="flex shrink-0 items-center gap-0.5">
        <Button variant="ghost" size="icon-sm" onClick={onEdit} aria-label={`Edit "${task.title}"`}>
          <Pencil aria-hidden />
        </Button>
        <Button
          variant="ghost"
          size="icon-sm"
          onClick={onDelete}
          aria-label={`Delete "${task.title}"`}
          className="text-muted-foreground hover:text-destructive"
        >
          <Trash2 aria-hidden />
        </Button>
      </div>
    </li>
  );
}
