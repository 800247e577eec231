import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card";
import { LoginForm } from "@/components/auth/login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  return (
    <AuthCard title="Welcome back" description="Sign in to pick up where you left off.">
      <LoginForm next={typeof next === "string" ? next : null} />
    </AuthCard>
  );
}
