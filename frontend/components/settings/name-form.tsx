"use client";

import * as React from "react";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import { useUser } from "@/components/layout/user-provider";
import { ApiError, authApi } from "@/lib/api";
import type { User } from "@/lib/api-types";

/** Email (read only) and the editable display name. */
export function NameForm({ user }: { user: User }) {
  const { setUser } = useUser();
  const toast = useToast();
  const [name, setName] = React.useState(user.name ?? "");
  const [error, setError] = React.useState<string | null>(null);
  const [pending, setPending] = React.useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (name.trim().length > 100) {
      setError("Keep your name under 100 characters.");
      return;
    }
    setError(null);
    setPending(true);
    try {
      setUser(await authApi.updateMe({ name: name.trim() || null }));
      toast({ title: "Profile saved", variant: "success" });
    } catch (err) {
      setError(err instanceof ApiError ? (err.fieldErrors.name ?? err.message) : "Could not save.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-3 sm:max-w-md">
      <div className="grid gap-1.5">
        <Label htmlFor="profile-email">Email</Label>
        <Input id="profile-email" value={user.email} readOnly disabled />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="profile-name">Name</Label>
        <Input
          id="profile-name"
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? "profile-name-error" : undefined}
        />
        <FieldError id="profile-name-error" message={error} />
      </div>
      <div>
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save profile"}
        </Button>
      </div>
    </form>
  );
}
