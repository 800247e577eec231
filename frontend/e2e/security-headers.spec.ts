import { expect, test } from "@playwright/test";
import { signUpViaApi } from "./helpers";

const PAGES = ["/", "/login", "/signup", "/forgot-password", "/reset-password?token=x", "/no-such-page"];

for (const path of PAGES) {
  test(`security headers on ${path}`, async ({ request }) => {
    const response = await request.get(path, { maxRedirects: 0 });
    const h = response.headers();
    const csp = h["content-security-policy"] ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(h["strict-transport-security"]).toMatch(/max-age=\d{8,}/);
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["permissions-policy"]).toContain("camera=()");
    expect(h["cross-origin-opener-policy"]).toBe("same-origin");
    expect(h["x-powered-by"]).toBeUndefined();
    expect(h["referrer-policy"]).toBe(path.startsWith("/reset-password") ? "no-referrer" : "strict-origin-when-cross-origin");
  });
}

test("every response gets a fresh nonce, and the page's scripts carry it", async ({ request }) => {
  const nonceOf = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];
  const first = await request.get("/login");
  const second = await request.get("/login");
  const a = nonceOf(first.headers()["content-security-policy"] ?? "");
  const b = nonceOf(second.headers()["content-security-policy"] ?? "");
  expect(a).toBeTruthy();
  expect(a).not.toBe(b);
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${a}"`);
});

test("pages hydrate under the CSP without violations", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/.test(msg.text())) violations.push(msg.text());
  });
  await page.goto("/signup");
  // A client-side behaviour that only works once React has hydrated.
  await page.getByRole("button", { name: "Show password" }).click();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "text");
  expect(violations).toEqual([]);
});

test("the API rewrite reaches the backend through the frontend origin", async ({ request }) => {
  const response = await request.get("/api/v1/auth/me");
  expect(response.status()).toBe(401);
  expect(response.headers()["x-request-id"]).toBeTruthy();
});

test("the signed-in pages carry the same headers", async ({ page }) => {
  await signUpViaApi(page);
  for (const path of ["/tasks", "/settings"]) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    const h = response.headers();
    expect(h["content-security-policy"], path).toMatch(/'nonce-[^']+'/);
    expect(h["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(h["strict-transport-security"], path).toBeTruthy();
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
  }
});

test("protected pages redirect a signed-out browser to login, keeping the path", async ({ request }) => {
  for (const path of ["/tasks", "/settings"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(307);
    expect(new URL(response.headers()["location"]!, "http://x").pathname + new URL(response.headers()["location"]!, "http://x").search).toBe(
      `/login?next=${encodeURIComponent(path)}`,
    );
  }
});
