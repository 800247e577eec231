"use client";

import * as React from "react";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PasswordInput } from "./password-input";
import { PasswordStrength } from "./password-strength";
import { ApiError, authApi } from "@/lib/api";
import { validateEmail, validatePassword } from "@/lib/validation";
import { hardNavigate } from "@/lib/navigation";

type Field = "name" | "email" | "password";

export function SignupForm({ onSuccess = hardNavigate }: { onSuccess?: (path: string) => void }) {
  const [name, setName] = React.useState("");
  const [email, setEmail] = React.useState("");
  const [password, setPassword] = React.useState("");
  const [errors, setErrors] = React.useState<Partial<Record<Field, string | null>>>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [pending, setPending] = React.useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fieldErrors = {
      name: name.trim().length > 100 ? "Keep your name under 100 characters." : null,
      email: validateEmail(email),
      password: validatePassword(password),
    };
    setErrors(fieldErrors);
    setFormError(null);
    if (fieldErrors.name || fieldErrors.email || fieldErrors.password) return;
    setPending(true);
    try {
      await authApi.signup({ email: email.trim(), password, ...(name.trim() ? { name: name.trim() } : {}) });
      onSuccess("/tasks");
    } catch (error) {
      if (error instanceof ApiError) {
        const { fieldErrors: server } = error;
        if (server.email || server.password || server.name) {
          setErrors({ email: server.email, password: server.password, name: server.name });
        } else {
          setFormError(error.message);
        }
      } else {
        setFormError("Something went wrong. Please try again.");
      }
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4" aria-label="Create account">
      {formError && <Alert variant="destructive">{formError}</Alert>}
      <div className="grid gap-2">
        <Label htmlFor="signup-name">
          Name <span className="font-normal text-muted-foreground">(optional)</span>
        </Label>
        <Input
          id="signup-name"
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={Boolean(errors.name)}
          aria-describedby={errors.name ? "signup-name-error" : undefined}
        />
        <FieldError id="signup-name-error" message={errors.name} />
      </div>
      <div className="grid gap-2">
        <Label htmlFor="signup-email">Email</Label>
        <Input
          id="signup-email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={Boolean(errors.email)}
          aria-describedby={errors.email ? "signup-email-error" : undefined}
        />
        <FieldError id="signup-email-error" message={errors.email} />
      </div>
      <div className="grid gap-2">
        <Label htmlFor="signup-password">Password</Label>
        <PasswordInput
          id="signup-password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={Boolean(errors.password)}
          aria-describedby={`signup-password-hint${errors.password ? " signup-password-error" : ""}`}
        />
        <PasswordStrength id="signup-password-hint" password={password} />
        <FieldError id="signup-password-error" message={errors.password} />
      </div>
      <Button type="submit" disabled={pending} className="mt-2 w-full">
        {pending ? "Creating account…" : "Create account"}
      </Button>
      <p className="text-center text-sm text-muted-foreground">
        Already have an account?{" "}
        <Link href="/login" className="rounded font-medium text-primary hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
