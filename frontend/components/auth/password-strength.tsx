import { cn } from "@/lib/cn";
import { passwordStrength } from "@/lib/validation";

const COLORS = ["bg-destructive", "bg-destructive", "bg-warning", "bg-success", "bg-success"];

/** A four-segment meter plus a word; a hint only, the backend has the last word. */
export function PasswordStrength({ password, id }: { password: string; id: string }) {
  const { score, label } = passwordStrength(password);
  if (!password) {
    return (
      <p id={id} className="text-xs text-muted-foreground">
        8 to 128 characters. A long phrase is easy to remember and hard to guess.
      </p>
    );
  }
  return (
    <div id={id} className="grid gap-1.5">
      <div className="grid grid-cols-4 gap-1" aria-hidden>
        {[1, 2, 3, 4].map((segment) => (
          <span
            key={segment}
            className={cn("h-1.5 rounded-full", segment <= score ? COLORS[score] : "bg-muted")}
          />
        ))}
      </div>
      <p className="text-xs text-muted-foreground">
        Strength: <span className="font-medium text-foreground">{label}</span>
      </p>
    </div>
  );
}
