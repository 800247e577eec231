import { Card } from "@/components/ui/card";

/** The frame shared by the sign-in, sign-up and password pages. */
export function AuthCard({ title, description, children }: { title: string; description?: React.ReactNode; children: React.ReactNode }) {
  return (
    <Card className="w-full max-w-md p-6 sm:p-8">
      <div className="mb-6 grid gap-1.5">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="text-sm text-muted-foreground">{description}</p>}
      </div>
      {children}
    </Card>
  );
}
