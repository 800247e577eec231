import * as React from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/cn";

const badgeVariants = cva(
  "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
  {
    variants: {
      variant: {
        default: "border-transparent bg-secondary text-secondary-foreground",
        outline: "text-foreground",
        high: "border-destructive/30 bg-destructive/10 text-destructive",
        medium: "border-warning/30 bg-warning/10 text-warning",
        low: "border-primary/30 bg-primary/10 text-primary",
        overdue: "border-transparent bg-destructive text-destructive-foreground",
        today: "border-warning/40 bg-warning/15 text-warning",
      },
    },
    defaultVariants: { variant: "default" },
  },
);

export function Badge({ className, variant, ...props }: React.ComponentProps<"span"> & VariantProps<typeof badgeVariants>) {
  return <span className={cn(badgeVariants({ variant }), className)} {...props} />;
}
