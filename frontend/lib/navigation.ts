/**
 * A full page load, used after sign-in and sign-out: the proxy sees the new cookies and no
 * state of the previous session survives in memory.
 */
export function hardNavigate(path: string): void {
  window.location.assign(path);
}
