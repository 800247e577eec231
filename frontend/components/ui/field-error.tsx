import { cn } from "@/lib/cn";

/** The error text of one form field; its id is what the input's aria-describedby points to. */
export function FieldError({ id, message, className }: { id: string; message?: string | null; className?: string }) {
  if (!message) return null;
  return (
    <p id={id} className={cn("text-sm text-destructive", className)}>
      {message}
    </p>
  );
}
