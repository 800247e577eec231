import { ClipboardList, SearchX } from "lucide-react";
import { Button } from "@/components/ui/button";

interface Props {
  filtered: boolean;
  onClearFilters: () => void;
  onAddTask: () => void;
}

/** Says why the list is empty and what to do next. */
export function EmptyState({ filtered, onClearFilters, onAddTask }: Props) {
  if (filtered) {
    return (
      <div className="grid place-items-center gap-3 px-6 py-14 text-center">
        <SearchX className="size-10 text-muted-foreground" aria-hidden />
        <h2 className="font-semibold">No tasks match these filters</h2>
        <p className="max-w-sm text-sm text-muted-foreground">Try another search or clear the filters to see all your tasks.</p>
        <Button variant="outline" onClick={onClearFilters}>
          Clear filters
        </Button>
      </div>
    );
  }
  return (
    <div className="grid place-items-center gap-3 px-6 py-14 text-center">
      <ClipboardList className="size-10 text-primary" aria-hidden />
      <h2 className="font-semibold">Nothing to do yet</h2>
      <p className="max-w-sm text-sm text-muted-foreground">
        Add your first task above. Press <kbd className="rounded border bg-muted px-1.5 font-mono text-xs">n</kbd> anytime to
        start a new one.
      </p>
      <Button onClick={onAddTask}>Add a task</Button>
    </div>
  );
}
