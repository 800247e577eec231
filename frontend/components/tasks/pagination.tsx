import { ChevronLeft, ChevronRight } from "lucide-react";
import { Button } from "@/components/ui/button";

interface Props {
  offset: number;
  limit: number;
  total: number;
  onPage: (offset: number) => void;
}

export function Pagination({ offset, limit, total, onPage }: Props) {
  if (total <= limit) return null;
  const from = offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-2 pt-3">
      <p className="text-sm text-muted-foreground" aria-live="polite">
        {from}–{to} of {total}
      </p>
      <div className="flex gap-2">
        <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
          <ChevronLeft aria-hidden /> Previous
        </Button>
        <Button variant="outline" size="sm" disabled={to >= total} onClick={() => onPage(offset + limit)}>
          Next <ChevronRight aria-hidden />
        </Button>
      </div>
    </nav>
  );
}
