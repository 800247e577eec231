import { expect, test, type Page } from "@playwright/test";
import {
  createTaskViaApi,
  expectNoSeriousA11yViolations,
  saveScreenshot,
  signUpViaApi,
  uniqueEmail,
} from "./helpers";

const VIEWPORTS = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 360, height: 740 },
} as const;
const SCHEMES = ["light", "dark"] as const;

const PUBLIC_PAGES = [
  { name: "landing", path: "/", ready: "A calm place for everything you need to do." },
  { name: "login", path: "/login", ready: "Welcome back" },
  { name: "signup", path: "/signup", ready: "Create your account" },
  { name: "forgot-password", path: "/forgot-password", ready: "Reset your password" },
  { name: "reset-password-expired", path: "/reset-password?token=expired", ready: "expired or has already been used" },
  { name: "not-found", path: "/no-such-page", ready: "Page not found" },
];
const APP_PAGES = [
  { name: "tasks", path: "/tasks", ready: "Send quarterly report" },
  { name: "settings", path: "/settings", ready: "Delete account" },
];

async function seedTasks(page: Page) {
  const day = 24 * 3600 * 1000;
  const at = (offsetDays: number, hour: number) => {
    const d = new Date(Date.now() + offsetDays * day);
    d.setUTCHours(hour, 0, 0, 0);
    return d.toISOString();
  };
  await createTaskViaApi(page, { title: "Book dentist appointment", tags: ["health"], priority: "low" });
  await createTaskViaApi(page, { title: "Renew passport", tags: ["admin"], priority: "medium", due_at: at(12, 10) });
  await createTaskViaApi(page, { title: "Water the plants", tags: ["home"], due_at: at(3, 8), recurrence: "weekly" });
  await createTaskViaApi(page, {
    title: "Buy groceries for the weekend",
    description: "Oat milk, bread, tomatoes, basil",
    tags: ["errands", "home"],
    priority: "medium",
    due_at: at(0, 23),
  });
  const finished = await createTaskViaApi(page, { title: "Pay electricity bill", tags: ["home", "bills"] });
  await page.request.patch(`/api/v1/tasks/${finished.id}`, { data: { completed: true } });
  await createTaskViaApi(page, {
    title: "Send quarterly report",
    description: "Numbers from finance, then the summary slide",
    tags: ["work"],
    priority: "high",
    due_at: at(-1, 9),
  });
}

async function expectNoHorizontalScroll(page: Page, label: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${label} scrolls sideways`).toBeLessThanOrEqual(0);
}

for (const [device, viewport] of Object.entries(VIEWPORTS)) {
  for (const scheme of SCHEMES) {
    test(`${device} ${scheme}: every page is accessible, fits the screen, and is captured`, async ({ browser }) => {
      const context = await browser.newContext({ viewport, colorScheme: scheme });
      const page = await context.newPage();

      for (const { name, path, ready } of PUBLIC_PAGES) {
        await page.goto(path);
        await expect(page.getByText(ready, { exact: false }).first()).toBeVisible();
        await expect(page.locator("html")).toHaveClass(scheme === "dark" ? /dark/ : /^(?!.*dark).*$/);
        // Contrast depends on the theme, not the width: axe runs on every page at desktop size
        // in both themes, and on the phone layout for the signed-in pages below.
        if (device === "desktop") await expectNoSeriousA11yViolations(page, `${name} (${device}, ${scheme})`);
        await expectNoHorizontalScroll(page, name);
        if (["landing", "login", "signup"].includes(name)) await saveScreenshot(page, `${name}-${device}-${scheme}`);
      }

      await signUpViaApi(page, uniqueEmail(`shots-${device}-${scheme}`), "Ada Lovelace");
      await seedTasks(page);
      for (const { name, path, ready } of APP_PAGES) {
        await page.goto(path);
        await expect(page.getByText(ready).first()).toBeVisible();
        await expectNoSeriousA11yViolations(page, `${name} (${device}, ${scheme})`);
        await expectNoHorizontalScroll(page, name);
        await saveScreenshot(page, `${name}-${device}-${scheme}`);
      }

      // The edit dialog and the shortcut help, both modal, also pass axe.
      await page.goto("/tasks");
      await page.getByRole("button", { name: 'Edit "Send quarterly report"' }).click();
      await expect(page.getByRole("dialog", { name: "Edit task" })).toBeVisible();
      await expectNoSeriousA11yViolations(page, `edit dialog (${device}, ${scheme})`);
      if (device === "desktop") await saveScreenshot(page, `edit-dialog-${device}-${scheme}`);
      await page.keyboard.press("Escape");
      await context.close();
    });
  }
}

test("the theme toggle switches to dark, is remembered, and applies before first paint", async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: "light" });
  const page = await context.newPage();
  await page.goto("/login");
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await page.getByRole("button", { name: /^Theme:/ }).click();
  await page.getByRole("menuitem", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);

  // Record the theme at DOMContentLoaded, before React has hydrated anything.
  await page.addInitScript(() => {
    document.addEventListener("DOMContentLoaded", () => {
      (window as unknown as { darkAtLoad: boolean }).darkAtLoad = document.documentElement.classList.contains("dark");
    });
  });
  await page.reload();
  expect(await page.evaluate(() => (window as unknown as { darkAtLoad: boolean }).darkAtLoad)).toBe(true);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).not.toBe("rgb(255, 255, 255)");

  await page.getByRole("button", { name: /^Theme:/ }).click();
  await page.getByRole("menuitem", { name: "Light" }).click();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await context.close();
});
