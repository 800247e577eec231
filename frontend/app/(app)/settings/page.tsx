import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/settings/change-password-form";
import { DataCard } from "@/components/settings/data-card";
import { DeleteAccountCard } from "@/components/settings/delete-account-card";
import { ProfileForm } from "@/components/settings/profile-form";
import { SessionsCard } from "@/components/settings/sessions-card";

export const metadata: Metadata = { title: "Settings" };

export default function SettingsPage() {
  return (
    <div className="grid gap-5">
      <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
      <ProfileForm />
      <ChangePasswordForm />
      <SessionsCard />
      <DataCard />
      <DeleteAccountCard />
    </div>
  );
}
