"use client";

import { useUser } from "@/components/layout/user-provider";
import { NameForm } from "./name-form";
import { SettingsSection } from "./settings-section";

export function ProfileForm() {
  const { user } = useUser();
  return (
    <SettingsSection id="profile" title="Profile" description="How you appear in the app.">
      {user ? <NameForm key={user.id} user={user} /> : <p className="text-sm text-muted-foreground">Loading…</p>}
    </SettingsSection>
  );
}
