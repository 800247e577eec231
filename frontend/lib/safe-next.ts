/**
 * Returns `next` only when it is a same-site relative path, otherwise the fallback.
 * Rejects absolute URLs, protocol-relative `//host` and the `/\host` form browsers normalise
 * to `//host`, so a crafted login link can never send a user to another site.
 */
export function safeNext(next: string | null | undefined, fallback = "/tasks"): string {
  if (!next || typeof next !== "string") return fallback;
  if (!next.startsWith("/")) return fallback;
  if (next.startsWith("//") || next.startsWith("/\\")) return fallback;
  // Control characters (tab, newline) are stripped by URL parsers and could hide a `//`.
  if (/[\u0000-\u001f\u007f]/.test(next)) return fallback;
  return next;
}

/** Builds the login URL that brings the user back to `path` after signing in. */
export function loginUrl(path: string): string {
  const next = safeNext(path, "");
  return next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login";
}
