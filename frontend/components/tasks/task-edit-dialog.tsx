"use client";

import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { TaskEditForm } from "./task-edit-form";
import type { Task, TaskCreate } from "@/lib/api-types";

interface Props {
  task: Task | null;
  onClose: () => void;
  onSave: (task: Task, input: TaskCreate) => Promise<void>;
}

export function TaskEditDialog({ task, onClose, onSave }: Props) {
  return (
    <Dialog open={task !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Edit task</DialogTitle>
          <DialogDescription>Change the details, then save.</DialogDescription>
        </DialogHeader>
        {task && <TaskEditForm key={task.id} task={task} onClose={onClose} onSave={onSave} />}
      </DialogContent>
    </Dialog>
  );
}
