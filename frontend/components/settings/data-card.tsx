"use client";

import * as React from "react";
import { Download, Upload } from "lucide-react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { SettingsSection } from "./settings-section";
import { ApiError, tasksApi } from "@/lib/api";

const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** Export downloads straight from the API (the cookie goes along); import reads a local file. */
export function DataCard() {
  const fileRef = React.useRef<HTMLInputElement>(null);
  const [status, setStatus] = React.useState<{ ok: boolean; message: string } | null>(null);
  const [pending, setPending] = React.useState(false);

  async function onImport(event: React.ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    setStatus(null);
    if (file.size > MAX_IMPORT_BYTES) {
      setStatus({ ok: false, message: "That file is larger than 5 MB." });
      return;
    }
    setPending(true);
    try {
      const text = await file.text();
      const isCsv = file.name.toLowerCase().endsWith(".csv") || file.type === "text/csv";
      let result: { imported: number };
      if (isCsv) {
        result = await tasksApi.importCsv(text);
      } else {
        let payload: unknown;
        try {
          payload = JSON.parse(text);
        } catch {
          setStatus({ ok: false, message: "That file is not valid JSON. Choose a file exported from this app." });
          return;
        }
        result = await tasksApi.importJson(payload);
      }
      setStatus({ ok: true, message: `Imported ${result.imported} ${result.imported === 1 ? "task" : "tasks"}.` });
    } catch (error) {
      setStatus({ ok: false, message: error instanceof ApiError ? error.message : "Import failed." });
    } finally {
      setPending(false);
    }
  }

  return (
    <SettingsSection id="data" title="Your data" description="Download every task, or bring tasks in from an export (JSON or CSV). An import adds all rows or none.">
      <div className="grid gap-3">
        {status && <Alert variant={status.ok ? "success" : "destructive"}>{status.message}</Alert>}
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" asChild>
            <a href={tasksApi.exportUrl("json")} download>
              <Download aria-hidden /> Export JSON
            </a>
          </Button>
          <Button variant="outline" asChild>
            <a href={tasksApi.exportUrl("csv")} download>
              <Download aria-hidden /> Export CSV
            </a>
          </Button>
          <Button variant="outline" onClick={() => fileRef.current?.click()} disabled={pending}>
            <Upload aria-hidden /> {pending ? "Importing…" : "Import file"}
          </Button>
          <Label htmlFor="import-file" className="sr-only">
            Import tasks from a file
          </Label>
          <input
            id="import-file"
            ref={fileRef}
            type="file"
            accept=".json,.csv,application/json,text/csv"
            className="sr-only"
            tabIndex={-1}
            onChange={onImport}
          />
        </div>
      </div>
    </SettingsSection>
  );
}
