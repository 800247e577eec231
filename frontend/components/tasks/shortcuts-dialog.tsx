"use client";

import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";

const SHORTCUTS = [
  { keys: ["n"], label: "New task" },
  { keys: ["/"], label: "Search" },
  { keys: ["?"], label: "Show keyboard shortcuts" },
  { keys: ["Esc"], label: "Close a dialog or menu" },
  { keys: ["Enter"], label: "Add the task you typed" },
];

export function ShortcutsDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-w-sm">
        <DialogHeader>
          <DialogTitle>Keyboard shortcuts</DialogTitle>
          <DialogDescription>Work without the mouse. Shortcuts pause while you type in a field.</DialogDescription>
        </DialogHeader>
        <dl className="grid gap-2">
          {SHORTCUTS.map(({ keys, label }) => (
            <div key={label} className="flex items-center justify-between gap-4 text-sm">
              <dt>{label}</dt>
              <dd>
                {keys.map((k) => (
                  <kbd key={k} className="rounded-md border bg-muted px-2 py-0.5 font-mono text-xs">
                    {k}
                  </kbd>
                ))}
              </dd>
            </div>
          ))}
        </dl>
      </DialogContent>
    </Dialog>
  );
}
