import { expect, test } from "@playwright/test";
import { signUpViaApi, taskTitles } from "./helpers";

test("a task can be created, found and completed with the keyboard only", async ({ page }) => {
  await signUpViaApi(page);
  await page.goto("/tasks");
  await expect(page.getByText("Nothing to do yet")).toBeVisible();

  await page.keyboard.press("n");
  await expect(page.getByLabel("New task title")).toBeFocused();
  await page.keyboard.type("Call the plumber");
  await page.keyboard.press("Enter");
  await expect(taskTitles(page)).toHaveText(["Call the plumber"]);

  // "?" opens the shortcut help, Escape closes it and gives focus back.
  await page.keyboard.press("Tab");
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  await page.keyboard.press("/");
  await expect(page.getByLabel("Search tasks")).toBeFocused();
  await page.keyboard.type("plumber");
  await expect(taskTitles(page)).toHaveText(["Call the plumber"]);

  // Tab to the completion checkbox and toggle it with Space.
  const done = page.getByRole("checkbox", { name: 'Mark "Call the plumber" as done' });
  for (let i = 0; i < 30 && !(await done.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(done).toBeFocused();
  // The focus ring is visible (an outline, not just a colour change).
  const outline = await done.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe("none");
  await page.keyboard.press("Space");
  await expect(page.getByRole("checkbox", { name: 'Mark "Call the plumber" as not done' })).toBeChecked();

  // Escape closes the edit dialog.
  await page.getByRole("button", { name: 'Edit "Call the plumber"' }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: "Edit task" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Edit task" })).toBeHidden();
});
