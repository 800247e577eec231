"use client";

import * as React from "react";
import { Keyboard } from "lucide-react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { useToast } from "@/components/ui/toast";
import { BulkBar } from "./bulk-bar";
import { ConfirmDialog } from "./confirm-dialog";
import { EmptyState } from "./empty-state";
import { Pagination } from "./pagination";
import { QuickAdd } from "./quick-add";
import { ShortcutsDialog } from "./shortcuts-dialog";
import { TaskEditDialog } from "./task-edit-dialog";
import { DEFAULT_FILTERS, TaskFilters, type Filters } from "./task-filters";
import { TaskItem } from "./task-item";
import { TaskListSkeleton } from "./task-list-skeleton";
import { ApiError, tasksApi } from "@/lib/api";
import type { BulkAction, TagCount, Task, TaskCreate, TaskPage, TaskQuery } from "@/lib/api-types";
import { useDebouncedValue } from "@/lib/use-debounced-value";

export const PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 300;

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : "Something went wrong.";
}

/** Fields that recreate a deleted task (the undo of a delete). */
function recreatePayload(task: Task): TaskCreate {
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    tags: task.tags,
    due_at: task.due_at,
    recurrence: task.recurrence,
  };
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || Boolean(target.closest("input, textarea, select, [role=dialog], [role=menu], [role=listbox]"));
}

/** The whole task screen: owns the list, filters, selection and every mutation. */
export function TaskBoard() {
  const toast = useToast();
  const [filters, setFilters] = React.useState<Filters>(DEFAULT_FILTERS);
  const search = useDebouncedValue(filters.search.trim(), SEARCH_DEBOUNCE_MS);
  const [offset, setOffset] = React.useState(0);
  const [page, setPage] = React.useState<TaskPage | null>(null);
  const [loadError, setLoadError] = React.useState<string | null>(null);
  const [reloadKey, setReloadKey] = React.useState(0);
  const [tags, setTags] = React.useState<TagCount[]>([]);
  const [selected, setSelected] = React.useState<Set<string>>(() => new Set());
  const [editing, setEditing] = React.useState<Task | null>(null);
  const [pendingDelete, setPendingDelete] = React.useState<Task[] | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = React.useState(false);
  const [now, setNow] = React.useState(() => new Date());
  const titleRef = React.useRef<HTMLInputElement>(null);
  const searchRef = React.useRef<HTMLInputElement>(null);

  const query = React.useMemo<TaskQuery>(
    () => ({
      status: filters.status,
      priority: filters.priority === "any" ? undefined : [filters.priority],
      tag: filters.tag === "any" ? undefined : [filters.tag],
      q: search || undefined,
      sort: filters.sort,
      limit: PAGE_SIZE,
      offset,
    }),
    [filters.status, filters.priority, filters.tag, filters.sort, search, offset],
  );

  React.useEffect(() => {
    let cancelled = false;
    tasksApi
      .list(query)
      .then((result) => {
        if (cancelled) return;
        setPage(result);
        setLoadError(null);
      })
      .catch((error: unknown) => !cancelled && setLoadError(messageOf(error)));
    return () => {
      cancelled = true;
    };
  }, [query, reloadKey]);

  React.useEffect(() => {
    let cancelled = false;
    tasksApi
      .tags()
      .then((result) => !cancelled && setTags(result))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [reloadKey]);

  React.useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 60_000);
    return () => window.clearInterval(timer);
  }, []);

  const reload = React.useCallback(() => setReloadKey((k) => k + 1), []);

  const patchLocal = (ids: string[], patch: (task: Task) => Task) =>
    setPage((current) =>
      current ? { ...current, items: current.items.map((t) => (ids.includes(t.id) ? patch(t) : t)) } : current,
    );

  function changeFilters(patch: Partial<Filters>) {
    setFilters((f) => ({ ...f, ...patch }));
    setOffset(0);
    setSelected(new Set());
  }

  // Keyboard shortcuts, paused while typing or while a dialog is open.
  React.useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
      if (isTypingTarget(event.target) || editing || pendingDelete || shortcutsOpen) return;
      if (event.key === "n") {
        event.preventDefault();
        titleRef.current?.focus();
      } else if (event.key === "/") {
        event.preventDefault();
        searchRef.current?.focus();
      } else if (event.key === "?") {
        event.preventDefault();
        setShortcutsOpen(true);
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [editing, pendingDelete, shortcutsOpen]);

  async function createTask(input: TaskCreate) {
    await tasksApi.create(input);
    toast({ title: "Task added", description: input.title, variant: "success" });
    reload();
  }

  async function saveTask(task: Task, input: TaskCreate) {
    const { task: saved } = await tasksApi.update(task.id, input);
    patchLocal([task.id], () => saved);
    toast({ title: "Task saved", description: saved.title, variant: "success" });
    reload();
  }

  async function undoComplete(task: Task, nextTaskId: string | null) {
    try {
      await tasksApi.update(task.id, { completed: false });
      if (nextTaskId) await tasksApi.remove(nextTaskId);
    } catch (error) {
      toast({ variant: "destructive", title: "Could not undo", description: messageOf(error) });
    }
    reload();
  }

  async function toggleTask(task: Task) {
    const completed = !task.completed;
    patchLocal([task.id], (t) => ({ ...t, completed }));
    try {
      const { nextTaskId } = await tasksApi.update(task.id, { completed });
      if (completed) {
        toast({
          title: nextTaskId ? "Done. The next one is scheduled." : "Task completed",
          description: task.title,
          action: { label: "Undo", onAction: () => void undoComplete(task, nextTaskId) },
        });
      }
      reload();
    } catch (error) {
      patchLocal([task.id], (t) => ({ ...t, completed: task.completed }));
      toast({ variant: "destructive", title: "Could not update the task", description: messageOf(error) });
    }
  }

  async function restoreTasks(tasks: Task[]) {
    try {
      for (const task of tasks) {
        const created = await tasksApi.create(recreatePayload(task));
        if (task.completed) await tasksApi.update(created.id, { completed: true });
      }
      toast({ title: tasks.length === 1 ? "Task restored" : `${tasks.length} tasks restored`, variant: "success" });
    } catch (error) {
      toast({ variant: "destructive", title: "Could not restore", description: messageOf(error) });
    }
    reload();
  }

  async function deleteTasks(tasks: Task[]) {
    setPendingDelete(null);
    const ids = tasks.map((t) => t.id);
    const before = page;
    setPage((current) =>
      current ? { ...current, items: current.items.filter((t) => !ids.includes(t.id)), total: current.total - ids.length } : current,
    );
    setSelected((s) => new Set([...s].filter((id) => !ids.includes(id))));
    try {
      if (tasks.length === 1 && tasks[0]) await tasksApi.remove(tasks[0].id);
      else await tasksApi.bulk(ids, "delete");
      toast({
        title: tasks.length === 1 ? "Task deleted" : `${tasks.length} tasks deleted`,
        description: tasks.length === 1 ? tasks[0]?.title : undefined,
        action: { label: "Undo", onAction: () => void restoreTasks(tasks) },
      });
      reload();
    } catch (error) {
      setPage(before);
      toast({ variant: "destructive", title: "Could not delete", description: messageOf(error) });
    }
  }

  async function bulkAction(action: BulkAction) {
    const ids = [...selected];
    if (action === "delete") {
      setPendingDelete(page?.items.filter((t) => selected.has(t.id)) ?? []);
      return;
    }
    const completed = action === "complete";
    const before = page;
    patchLocal(ids, (t) => ({ ...t, completed }));
    try {
      const { affected } = await tasksApi.bulk(ids, action);
      toast({ title: `${affected} ${affected === 1 ? "task" : "tasks"} ${completed ? "completed" : "reopened"}` });
      setSelected(new Set());
      reload();
    } catch (error) {
      setPage(before);
      toast({ variant: "destructive", title: "Could not update the tasks", description: messageOf(error) });
    }
  }

  const items = page?.items ?? [];
  const allSelected = items.length > 0 && items.every((t) => selected.has(t.id));
  const someSelected = items.some((t) => selected.has(t.id));
  const filtered =
    filters.status !== "all" || filters.priority !== "any" || filters.tag !== "any" || search.length > 0;

  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-4">
      <div className="flex items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">My tasks</h1>
          <p className="text-sm text-muted-foreground" aria-live="polite">
            {page ? `${page.total} ${page.total === 1 ? "task" : "tasks"}${filtered ? " match" : ""}` : "Loading…"}
          </p>
        </div>
        <Button variant="ghost" size="sm" onClick={() => setShortcutsOpen(true)}>
          <Keyboard aria-hidden /> <span className="sr-only sm:not-sr-only">Keyboard shortcuts</span>
        </Button>
      </div>

      <QuickAdd onCreate={createTask} inputRef={titleRef} />
      <TaskFilters filters={filters} tags={tags} onChange={changeFilters} searchRef={searchRef} />
      <BulkBar count={selected.size} onAction={(a) => void bulkAction(a)} onClear={() => setSelected(new Set())} />

      {loadError && (
        <Alert variant="destructive" className="flex items-center justify-between gap-3">
          <span>Could not load your tasks: {loadError}</span>
          <Button size="sm" variant="outline" onClick={reload}>
            Retry
          </Button>
        </Alert>
      )}

      {!page && !loadError ? (
        <TaskListSkeleton />
      ) : page && items.length === 0 ? (
        <div className="rounded-xl border bg-card">
          <EmptyState
            filtered={filtered}
            onClearFilters={() => changeFilters(DEFAULT_FILTERS)}
            onAddTask={() => titleRef.current?.focus()}
          />
        </div>
      ) : page ? (
        <div>
          <div className="overflow-hidden rounded-xl border bg-card shadow-sm">
            <div className="flex items-center gap-3 border-b bg-muted/40 px-3 py-2 sm:px-4">
              <Checkbox
                checked={allSelected ? true : someSelected ? "indeterminate" : false}
                onCheckedChange={(value) => setSelected(value === true ? new Set(items.map((t) => t.id)) : new Set())}
                aria-label="Select all tasks on this page"
                className="size-4 rounded-sm"
              />
              <span className="text-xs font-medium text-muted-foreground">Select all</span>
            </div>
            <ul aria-label="Tasks">
              {items.map((task) => (
                <TaskItem
                  key={task.id}
                  task={task}
                  now={now}
                  selected={selected.has(task.id)}
                  onSelect={(value) =>
                    setSelected((s) => {
                      const next = new Set(s);
                      if (value) next.add(task.id);
                      else next.delete(task.id);
                      return next;
                    })
                  }
                  onToggle={() => void toggleTask(task)}
                  onEdit={() => setEditing(task)}
                  onDelete={() => setPendingDelete([task])}
                />
              ))}
            </ul>
          </div>
          <Pagination offset={page.offset} limit={page.limit} total={page.total} onPage={setOffset} />
        </div>
      ) : null}

      <TaskEditDialog task={editing} onClose={() => setEditing(null)} onSave={saveTask} />
      <ConfirmDialog
        open={pendingDelete !== null}
        title={pendingDelete && pendingDelete.length > 1 ? `Delete ${pendingDelete.length} tasks?` : "Delete this task?"}
        description={
          pendingDelete && pendingDelete.length === 1
            ? `"${pendingDelete[0]?.title}" will be deleted. You can undo right after.`
            : "The selected tasks will be deleted. You can undo right after."
        }
        confirmLabel="Delete"
        onConfirm={() => pendingDelete && void deleteTasks(pendingDelete)}
        onCancel={() => setPendingDelete(null)}
      />
      <ShortcutsDialog open={shortcutsOpen} onOpenChange={setShortcutsOpen} />
    </div>
  );
}
