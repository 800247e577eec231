"use client";

import * as React from "react";
import { PasswordInput } from "@/components/auth/password-input";
import { PasswordStrength } from "@/components/auth/password-strength";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { SettingsSection } from "./settings-section";
import { ApiError, authApi } from "@/lib/api";
import { validatePassword } from "@/lib/validation";

export function ChangePasswordForm() {
  const [current, setCurrent] = React.useState("");
  const [next, setNext] = React.useState("");
  const [errors, setErrors] = React.useState<{ current?: string | null; next?: string | null }>({});
  const [status, setStatus] = React.useState<{ ok: boolean; message: string } | null>(null);
  const [pending, setPending] = React.useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = {
      current: current ? null : "Enter your current password.",
      next: validatePassword(next) ?? (next === current ? "Choose a password different from the current one." : null),
    };
    setErrors(found);
    setStatus(null);
    if (found.current || found.next) return;
    setPending(true);
    try {
      await authApi.changePassword({ current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setStatus({ ok: true, message: "Password changed. Your other sessions have been signed out." });
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) setErrors({ current: error.message });
      else if (error instanceof ApiError && error.fieldErrors.new_password) setErrors({ next: error.fieldErrors.new_password });
      else setStatus({ ok: false, message: error instanceof ApiError ? error.message : "Could not change the password." });
    } finally {
      setPending(false);
    }
  }

  return (
    <SettingsSection id="password" title="Password" description="Changing it signs out every other device.">
      <form onSubmit={onSubmit} noValidate className="grid gap-3 sm:max-w-md">
        {status && <Alert variant={status.ok ? "success" : "destructive"}>{status.message}</Alert>}
        <div className="grid gap-1.5">
          <Label htmlFor="current-password">Current password</Label>
          <PasswordInput
            id="current-password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            aria-invalid={Boolean(errors.current)}
            aria-describedby={errors.current ? "current-password-error" : undefined}
          />
          <FieldError id="current-password-error" message={errors.current} />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="new-password">New password</Label>
          <PasswordInput
            id="new-password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            aria-invalid={Boolean(errors.next)}
            aria-describedby={`new-password-hint${errors.next ? " new-password-error" : ""}`}
          />
          <PasswordStrength id="new-password-hint" password={next} />
          <FieldError id="new-password-error" message={errors.next} />
        </div>
        <div>
          <Button type="submit" disabled={pending}>
            {pending ? "Changing…" : "Change password"}
          </Button>
        </div>
      </form>
    </SettingsSection>
  );
}
