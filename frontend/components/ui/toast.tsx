"use client";

import * as React from "react";
import * as ToastPrimitive from "@radix-ui/react-toast";
import { X } from "lucide-react";
import { cn } from "@/lib/cn";

export interface ToastOptions {
  title: string;
  description?: string;
  variant?: "default" | "destructive" | "success";
  action?: { label: string; onAction: () => void };
  durationMs?: number;
}

interface ToastEntry extends ToastOptions {
  id: number;
  open: boolean;
}

const ToastContext = React.createContext<((options: ToastOptions) => void) | null>(null);

/** Shows a toast from anywhere below <Toaster>. */
export function useToast(): (options: ToastOptions) => void {
  const ctx = React.useContext(ToastContext);
  if (!ctx) throw new Error("useToast must be used inside <Toaster>");
  return ctx;
}

/** Provides useToast() and renders the toasts in a polite live region (bottom of the screen). */
export function Toaster({ children }: { children: React.ReactNode }) {
  const [toasts, setToasts] = React.useState<ToastEntry[]>([]);
  const nextId = React.useRef(1);

  const show = React.useCallback((options: ToastOptions) => {
    const id = nextId.current++;
    setToasts((current) => [...current.slice(-3), { ...options, id, open: true }]);
  }, []);

  const close = (id: number) => {
    setToasts((current) => current.map((t) => (t.id === id ? { ...t, open: false } : t)));
    window.setTimeout(() => setToasts((current) => current.filter((t) => t.id !== id)), 300);
  };

  return (
    <ToastContext.Provider value={show}>
      <ToastPrimitive.Provider swipeDirection="right" label="Notifications">
        {children}
        {toasts.map((t) => (
          <ToastPrimitive.Root
            key={t.id}
            open={t.open}
            onOpenChange={(open) => !open && close(t.id)}
            duration={t.durationMs ?? (t.action ? 8000 : 5000)}
            type={t.variant === "destructive" ? "foreground" : "background"}
            className={cn(
              "group pointer-events-auto relative flex w-full items-start gap-3 rounded-lg border bg-popover p-4 pr-9 text-popover-foreground shadow-lg data-[swipe=move]:translate-x-[var(--radix-toast-swipe-move-x)]",
              t.variant === "destructive" && "border-destructive/50",
              t.variant === "success" && "border-success/50",
            )}
          >
            <div className="grid flex-1 gap-1">
              <ToastPrimitive.Title
                className={cn(
                  "text-sm font-semibold",
                  t.variant === "destructive" && "text-destructive",
                )}
              >
                {t.title}
              </ToastPrimitive.Title>
              {t.description && (
                <ToastPrimitive.Description className="text-sm text-muted-foreground">{t.description}</ToastPrimitive.Description>
              )}
            </div>
            {t.action && (
              <ToastPrimitive.Action
                altText={t.action.label}
                onClick={t.action.onAction}
                className="inline-flex h-8 shrink-0 items-center rounded-md border border-input px-3 text-sm font-medium hover:bg-accent focus-visible:outline-2 focus-visible:outline-ring"
              >
                {t.action.label}
              </ToastPrimitive.Action>
            )}
            <ToastPrimitive.Close
              aria-label="Dismiss notification"
              className="absolute top-2 right-2 rounded-md p-1 text-muted-foreground hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
            >
              <X className="size-4" aria-hidden />
            </ToastPrimitive.Close>
          </ToastPrimitive.Root>
        ))}
        <ToastPrimitive.Viewport className="fixed right-0 bottom-0 z-[100] flex max-h-screen w-full flex-col gap-2 p-4 outline-none sm:max-w-sm" />
      </ToastPrimitive.Provider>
    </ToastContext.Provider>
  );
}
