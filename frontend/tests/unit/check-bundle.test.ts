import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const script = path.resolve(__dirname, "../../scripts/check-bundle.mjs");

function runOn(files: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "bundle-"));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", BUNDLE_DIR: dir, ...env }, encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a clean bundle passes", () => {
  expect(runOn({ "chunks/app.js": 'fetch("/api/v1/tasks")' }).status).toBe(0);
});

test("a loopback backend URL in the bundle fails the check", () => {
  const result = runOn({ "chunks/app.js": 'fetch("http://127.0.0.1:8000/api/v1/tasks")' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("loopback URL");
});

test("the value of a server-side secret in the bundle fails the check", () => {
  const result = runOn({ "chunks/app.js": 'const k="super-secret-signing-key"' }, { JWT_SECRET_KEY: "super-secret-signing-key" });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("value of JWT_SECRET_KEY");
});
