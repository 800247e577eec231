"use client";

import * as React from "react";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { PasswordInput } from "./password-input";
import { InvalidResetLink } from "./invalid-reset-link";
import { PasswordStrength } from "./password-strength";
import { ApiError, authApi } from "@/lib/api";
import { validatePassword } from "@/lib/validation";

type TokenState = "checking" | "valid" | "invalid";

/** Checks the token as soon as the page opens, so an old link is reported before any typing. */
export function ResetPasswordForm({ token }: { token: string }) {
  const [tokenState, setTokenState] = React.useState<TokenState>(token ? "checking" : "invalid");
  const [password, setPassword] = React.useState("");
  const [confirm, setConfirm] = React.useState("");
  const [errors, setErrors] = React.useState<{ password?: string | null; confirm?: string | null }>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [done, setDone] = React.useState(false);
  const [pending, setPending] = React.useState(false);

  React.useEffect(() => {
    if (!token) return;
    let cancelled = false;
    authApi
      .validateResetToken(token)
      .then(() => !cancelled && setTokenState("valid"))
      .catch(() => !cancelled && setTokenState("invalid"));
    return () => {
      cancelled = true;
    };
  }, [token]);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fieldErrors = {
      password: validatePassword(password),
      confirm: confirm === password ? null : "The two passwords do not match.",
    };
    setErrors(fieldErrors);
    setFormError(null);
    if (fieldErrors.password || fieldErrors.confirm) return;
    setPending(true);
    try {
      await authApi.resetPassword({ token, new_password: password });
      setDone(true);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) setTokenState("invalid");
      else if (error instanceof ApiError && error.fieldErrors.new_password) setErrors({ password: error.fieldErrors.new_password });
      else setFormError(error instanceof ApiError ? error.message : "Something went wrong. Please try again.");
    } finally {
      setPending(false);
    }
  }

  if (tokenState === "checking") {
    return (
      <p role="status" className="text-sm text-muted-foreground">
        Checking your reset link…
      </p>
    );
  }
  if (tokenState === "invalid") return <InvalidResetLink />;
  if (done) {
    return (
      <div className="grid gap-4">
        <Alert variant="success">Your password has been changed. You have been signed out everywhere.</Alert>
        <Button asChild>
          <Link href="/login">Sign in with your new password</Link>
        </Button>
      </div>
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4" aria-label="Choose a new password">
      {formError && <Alert variant="destructive">{formError}</Alert>}
      <div className="grid gap-2">
        <Label htmlFor="reset-password">New password</Label>
        <PasswordInput
          id="reset-password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={Boolean(errors.password)}
          aria-describedby={`reset-password-hint${errors.password ? " reset-password-error" : ""}`}
        />
        <PasswordStrength id="reset-password-hint" password={password} />
        <FieldError id="reset-password-error" message={errors.password} />
      </div>
      <div className="grid gap-2">
        <Label htmlFor="reset-confirm">Confirm new password</Label>
        <PasswordInput
          id="reset-confirm"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          aria-invalid={Boolean(errors.confirm)}
          aria-describedby={errors.confirm ? "reset-confirm-error" : undefined}
        />
        <FieldError id="reset-confirm-error" message={errors.confirm} />
      </div>
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Saving…" : "Set new password"}
      </Button>
    </form>
  );
}
