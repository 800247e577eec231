import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/** Shown instead of the form when the reset token is unknown, expired or already used. */
export function InvalidResetLink() {
  return (
    <div className="grid gap-4">
      <Alert variant="destructive">
        This reset link has expired or has already been used. Reset links work once and only for a short time.
      </Alert>
      <Button asChild>
        <Link href="/forgot-password">Request a new link</Link>
      </Button>
    </div>
  );
}
