import { AppHeader } from "@/components/layout/app-header";
import { UserProvider } from "@/components/layout/user-provider";

export default function AppLayout({ children }: { children: React.ReactNode }) {
  return (
    <UserProvider>
      <AppHeader />
      <main id="main" className="mx-auto w-full max-w-4xl min-w-0 px-3 pt-6 pb-24 sm:px-4 sm:pt-8">
        {children}
      </main>
    </UserProvider>
  );
}
