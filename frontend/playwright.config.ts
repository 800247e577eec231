import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// Ports are chosen once, in the runner, and inherited by the workers through the environment.
function freePort(): string {
  return execFileSync(process.execPath, [
    "-e",
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}

/** The backend port the production build's /api rewrite points at (rewrites are fixed at build time). */
function builtBackendPort(): string | null {
  const manifest = ".next/routes-manifest.json";
  if (!existsSync(manifest)) return null;
  const rewrites = (JSON.parse(readFileSync(manifest, "utf8")) as { rewrites?: { afterFiles?: { destination: string }[] } })
    .rewrites?.afterFiles ?? [];
  const match = rewrites.map((r) => /^http:\/\/127\.0\.0\.1:(\d+)\/api\//.exec(r.destination)).find(Boolean);
  return match?.[1] ?? null;
}

process.env.E2E_FRONTEND_PORT ??= freePort();
process.env.E2E_BACKEND_PORT ??= builtBackendPort() ?? freePort();
if (builtBackendPort() !== process.env.E2E_BACKEND_PORT) {
  throw new Error(
    `The production build does not proxy /api to 127.0.0.1:${process.env.E2E_BACKEND_PORT}. ` +
      `Build first: BACKEND_URL=http://127.0.0.1:${process.env.E2E_BACKEND_PORT} npx next build (scripts/test-frontend.sh does).`,
  );
}
process.env.SMTP_SINK_PORT ??= freePort();
process.env.SMTP_SINK_HTTP_PORT ??= freePort();

const frontend = `http://127.0.0.1:${process.env.E2E_FRONTEND_PORT}`;
const backend = `http://127.0.0.1:${process.env.E2E_BACKEND_PORT}`;
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: frontend,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: chromium,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: [
    {
      command: "node e2e/smtp-sink.mjs",
      url: `http://127.0.0.1:${process.env.SMTP_SINK_HTTP_PORT}/health`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: "bash e2e/start-backend.sh",
      url: `${backend}/health/live`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "pipe",
    },
    {
      // The production build (scripts/test-frontend.sh builds it with this BACKEND_URL first).
      command: `npx next start --hostname 127.0.0.1 --port ${process.env.E2E_FRONTEND_PORT}`,
      url: `${frontend}/login`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { BACKEND_URL: backend },
    },
  ],
});
