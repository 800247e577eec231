import Link from "next/link";
import { CheckCheck } from "lucide-react";

export function Logo({ href = "/" }: { href?: string }) {
  return (
    <Link href={href} className="inline-flex items-center gap-2 rounded-md font-semibold tracking-tight">
      <span className="grid size-8 place-content-center rounded-lg bg-primary text-primary-foreground shadow-sm">
        <CheckCheck className="size-4.5" aria-hidden />
      </span>
      <span className="text-lg">Tasks</span>
    </Link>
  );
}
