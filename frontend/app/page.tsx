import Link from "next/link";
import { CalendarClock, Repeat, Tags, Zap } from "lucide-react";
import { Logo } from "@/components/layout/logo";
import { ThemeToggle } from "@/components/layout/theme-toggle";
import { Button } from "@/components/ui/button";

const FEATURES = [
  { icon: Zap, title: "Quick add", text: "Press n, type, Enter. Priorities, tags and due dates when you want them." },
  { icon: CalendarClock, title: "Due dates that nudge", text: "Overdue and due-today tasks stand out, in your own time zone." },
  { icon: Repeat, title: "Recurring tasks", text: "Complete a weekly chore and the next one is already waiting." },
  { icon: Tags, title: "Tags and filters", text: "Slice your list by status, priority, tag or a quick search." },
];

export default function LandingPage() {
  return (
    <div className="flex min-h-dvh flex-col bg-[radial-gradient(ellipse_at_top,var(--color-accent),transparent_55%)]">
      <header className="mx-auto flex w-full max-w-5xl items-center justify-between gap-2 px-4 py-4">
        <Logo />
        <nav aria-label="Account" className="flex items-center gap-1 sm:gap-2">
          <ThemeToggle />
          <Button variant="ghost" asChild>
            <Link href="/login">Sign in</Link>
          </Button>
          <Button asChild className="hidden sm:inline-flex">
            <Link href="/signup">Get started</Link>
          </Button>
        </nav>
      </header>
      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 pt-12 pb-20 sm:pt-20">
        <section className="mx-auto max-w-2xl text-center">
          <h1 className="text-4xl font-semibold tracking-tight text-balance sm:text-5xl">
            A calm place for everything you need to do.
          </h1>
          <p className="mt-4 text-lg text-pretty text-muted-foreground">
            Capture tasks in a keystroke, see what is due today, and let recurring chores take care of themselves.
          </p>
          <div className="mt-8 flex flex-col justify-center gap-3 sm:flex-row">
            <Button size="lg" asChild>
              <Link href="/signup">Create a free account</Link>
            </Button>
            <Button size="lg" variant="outline" asChild>
              <Link href="/login">I already have one</Link>
            </Button>
          </div>
        </section>
        <ul className="mt-16 grid gap-4 sm:grid-cols-2">
          {FEATURES.map(({ icon: Icon, title, text }) => (
            <li key={title} className="rounded-xl border bg-card p-5 shadow-sm">
              <Icon className="size-5 text-primary" aria-hidden />
              <h2 className="mt-3 font-semibold">{title}</h2>
              <p className="mt-1 text-sm text-muted-foreground">{text}</p>
            </li>
          ))}
        </ul>
      </main>
    </div>
  );
}
