import { CheckCheck, RotateCcw, Trash2, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import type { BulkAction } from "@/lib/api-types";

interface Props {
  count: number;
  onAction: (action: BulkAction) => void;
  onClear: () => void;
}

/** Appears while tasks are selected; delete asks for confirmation in the board. */
export function BulkBar({ count, onAction, onClear }: Props) {
  if (count === 0) return null;
  return (
    <div
      role="region"
      aria-label="Bulk actions"
      className="flex flex-wrap items-center gap-2 rounded-lg border border-primary/30 bg-accent px-3 py-2 text-accent-foreground"
    >
      <p className="mr-auto text-sm font-medium" aria-live="polite">
        {count} selected
      </p>
      <Button size="sm" variant="outline" onClick={() => onAction("complete")}>
        <CheckCheck aria-hidden /> Complete
      </Button>
      <Button size="sm" variant="outline" onClick={() => onAction("reopen")}>
        <RotateCcw aria-hidden /> Reopen
      </Button>
      <Button size="sm" variant="destructive" onClick={() => onAction("delete")}>
        <Trash2 aria-hidden /> Delete
      </Button>
      <Button size="icon-sm" variant="ghost" onClick={onClear} aria-label="Clear selection">
        <X aria-hidden />
      </Button>
    </div>
  );
}
