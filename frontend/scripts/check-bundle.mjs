// Fails when the client bundle of a production build (.next/static) contains a secret or a
// loopback URL: the browser must only ever talk to its own origin, and no server-side value
// may leak into JavaScript that anyone can download.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = process.env.BUNDLE_DIR ?? path.resolve(import.meta.dirname, "..", ".next", "static");
const forbidden = [
  { name: "loopback URL", re: /https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?/g },
  { name: "BACKEND_URL", re: /BACKEND_URL/g },
  { name: "JWT secret name", re: /JWT_SECRET/g },
  { name: "private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/g },
  { name: "bearer token", re: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
];
// Values of server-side environment variables must not appear either.
for (const key of ["BACKEND_URL", "JWT_SECRET_KEY", "SMTP_PASSWORD", "EMAIL_HTTP_API_KEY", "METRICS_TOKEN"]) {
  const value = process.env[key];
  if (value && value.length >= 6) forbidden.push({ name: `value of ${key}`, re: new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g") });
}

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (/\.(js|mjs|css|html|json|map|txt)$/.test(entry)) yield full;
  }
}

let scanned = 0;
const problems = [];
try {
  statSync(root);
} catch {
  console.error(`check-bundle: ${root} does not exist; run "next build" first`);
  process.exit(2);
}
for (const file of files(root)) {
  scanned++;
  const text = readFileSync(file, "utf8");
  for (const { name, re } of forbidden) {
    for (const match of text.matchAll(re)) {
      problems.push(`${path.relative(root, file)}: ${name}: ${match[0].slice(0, 60)}`);
    }
  }
}
if (scanned === 0) {
  console.error("check-bundle: no files scanned");
  process.exit(2);
}
if (problems.length > 0) {
  console.error(`check-bundle: ${problems.length} problem(s) in the client bundle:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-bundle: ${scanned} client files, no secret and no loopback URL`);
