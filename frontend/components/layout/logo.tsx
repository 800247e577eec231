import Link from "next/link";
import { CheckCheck } from "lucide-react";

export function Logo({ href = "/", compact = false }: { href?: string; compact?: boolean }) {
  return (
    <Link href={href} className="inline-flex items-center gap-2 rounded-md font-semibold tracking-tight">
      <span className="grid size-8 place-content-center rounded-lg bg-primary text-primary-foreground shadow-sm">
        <CheckCheck className="size-4.5" aria-hidden />
      </span>
      <span className={compact ? "sr-only text-lg sm:not-sr-only" : "text-lg"}>Tasks</span>
    </Link>
  );
}
