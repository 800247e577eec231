import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery staple 42";
export const SCREENSHOT_DIR = path.resolve(__dirname, "../../docs/screenshots");

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

/** Creates an account through the API (the page's cookie jar keeps the session). */
export async function signUpViaApi(page: Page, email = uniqueEmail(), name = "Ada Lovelace"): Promise<string> {
  const response = await page.request.post("/api/v1/auth/signup", {
    data: { email, password: PASSWORD, name },
  });
  expect(response.status(), await response.text()).toBe(201);
  return email;
}

export async function createTaskViaApi(page: Page, task: Record<string, unknown>): Promise<{ id: string }> {
  const response = await page.request.post("/api/v1/tasks", { data: task });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string };
}

interface SinkMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Waits for the password reset email in the SMTP sink and returns the link it carries. */
export async function readResetLink(email: string): Promise<string> {
  const sink = `http://127.0.0.1:${process.env.SMTP_SINK_HTTP_PORT}/messages?to=${encodeURIComponent(email)}`;
  let link: string | null = null;
  await expect
    .poll(
      async () => {
        const messages = (await (await fetch(sink)).json()) as SinkMessage[];
        for (const message of messages) {
          const match = /https?:\/\/[^\s"'<>]+\/reset-password\?token=[^\s"'<>]+/.exec(message.text || message.html);
          if (match) link = match[0].replace(/&amp;/g, "&");
        }
        return link;
      },
      { timeout: 30_000, message: `no reset email for ${email} in the SMTP sink` },
    )
    .not.toBeNull();
  return link!;
}

/** Fails on any serious or critical axe violation, listing them. */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    serious.map((v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    `axe violations on ${label}`,
  ).toEqual([]);
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false, animations: "disabled" });
}

/** The value a datetime-local input expects for "now + days" at hh:mm, in the browser's zone. */
export async function localDateTime(page: Page, daysFromToday: number, hours: number, minutes: number): Promise<string> {
  return page.evaluate(
    ([d, h, m]) => {
      const date = new Date();
      date.setDate(date.getDate() + d);
      date.setHours(h, m, 0, 0);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
    },
    [daysFromToday, hours, minutes] as const,
  );
}

export async function pickOption(page: Page, triggerSelector: string, option: string): Promise<void> {
  await page.locator(triggerSelector).click();
  await page.getByRole("option", { name: option, exact: true }).click();
  await expect(page.getByRole("listbox")).toHaveCount(0);
}

export function taskTitles(page: Page) {
  return page.getByTestId("task-item").locator("p.font-medium");
}
