"use client";

import * as React from "react";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import { SettingsSection } from "./settings-section";
import { authApi } from "@/lib/api";
import { hardNavigate } from "@/lib/navigation";

export function SessionsCard() {
  const toast = useToast();
  const [pending, setPending] = React.useState(false);

  async function signOutEverywhere() {
    setPending(true);
    try {
      await authApi.logoutAll();
      await authApi.logout().catch(() => undefined);
      hardNavigate("/login");
    } catch (error) {
      toast({ variant: "destructive", title: "Could not sign out everywhere", description: error instanceof Error ? error.message : undefined });
      setPending(false);
    }
  }

  return (
    <SettingsSection id="sessions" title="Sessions" description="Lost a device or used a shared computer? End every session, this one included.">
      <Button variant="outline" onClick={signOutEverywhere} disabled={pending}>
        {pending ? "Signing out…" : "Sign out everywhere"}
      </Button>
    </SettingsSection>
  );
}
