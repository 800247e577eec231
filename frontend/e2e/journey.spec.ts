import { expect, test } from "@playwright/test";
import { PASSWORD, localDateTime, pickOption, readResetLink, taskTitles, uniqueEmail } from "./helpers";

const NEW_PASSWORD = "a completely different passphrase 7";

test("a new user signs up, manages tasks, signs out and resets the password by email", async ({ page }) => {
  const email = uniqueEmail("journey");

  await test.step("sign up", async () => {
    await page.goto("/");
    await page.getByRole("link", { name: "Create a free account" }).click();
    await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
    await page.getByLabel(/Name/).fill("Grace Hopper");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await expect(page.getByText(/Strength:/)).toBeVisible();
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(page.getByText("Nothing to do yet")).toBeVisible();
  });

  await test.step("add tasks with tags, priority and due dates", async () => {
    const title = page.getByLabel("New task title");
    await page.getByRole("button", { name: "Show task options" }).click();

    await title.fill("Buy milk");
    await page.locator("#quick-add-tags").fill("errands, Home");
    await page.locator("#quick-add-due").fill(await localDateTime(page, 0, 23, 59));
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(taskTitles(page)).toHaveText(["Buy milk"]);

    await title.fill("Send quarterly report");
    await pickOption(page, "#quick-add-priority", "High");
    await page.locator("#quick-add-tags").fill("work");
    await page.locator("#quick-add-due").fill(await localDateTime(page, -1, 9, 0));
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(taskTitles(page)).toHaveText(["Send quarterly report", "Buy milk"]);

    await title.fill("Take out the bins");
    await pickOption(page, "#quick-add-priority", "Low");
    await page.locator("#quick-add-tags").fill("home");
    await page.locator("#quick-add-due").fill(await localDateTime(page, 2, 7, 30));
    await pickOption(page, "#quick-add-recurrence", "Every week");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(taskTitles(page)).toHaveText(["Take out the bins", "Send quarterly report", "Buy milk"]);

    const milk = page.getByTestId("task-item").filter({ hasText: "Buy milk" });
    await expect(milk.getByTestId("task-tag")).toHaveText(["#errands", "#home"]);
    await expect(milk).toHaveAttribute("data-due-state", "today");
    const report = page.getByTestId("task-item").filter({ hasText: "Send quarterly report" });
    await expect(report).toHaveAttribute("data-due-state", "overdue");
    await expect(report.getByText("High priority")).toBeVisible();
    await expect(report.getByText(/Overdue/)).toBeVisible();
  });

  await test.step("filter, search and sort", async () => {
    await pickOption(page, "#filter-priority", "High");
    await expect(taskTitles(page)).toHaveText(["Send quarterly report"]);
    await pickOption(page, "#filter-priority", "Any priority");
    await pickOption(page, "#filter-tag", "#home (2)");
    await expect(taskTitles(page)).toHaveText(["Take out the bins", "Buy milk"]);
    await pickOption(page, "#filter-tag", "Any tag");

    await page.getByLabel("Search tasks").fill("MILK");
    await expect(taskTitles(page)).toHaveText(["Buy milk"]);
    await page.getByLabel("Search tasks").fill("nothing like this");
    await expect(page.getByText("No tasks match these filters")).toBeVisible();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(taskTitles(page)).toHaveCount(3);

    await pickOption(page, "#filter-sort", "Title (A–Z)");
    await expect(taskTitles(page)).toHaveText(["Buy milk", "Send quarterly report", "Take out the bins"]);
    await pickOption(page, "#filter-sort", "Due date (soonest)");
    await expect(taskTitles(page)).toHaveText(["Send quarterly report", "Buy milk", "Take out the bins"]);
    await pickOption(page, "#filter-sort", "Newest first");
  });

  await test.step("complete a recurring task and see the next one", async () => {
    const bins = page.getByTestId("task-item").filter({ hasText: "Take out the bins" });
    const firstDue = await bins.locator("time").getAttribute("datetime");
    await page.getByRole("checkbox", { name: 'Mark "Take out the bins" as done' }).click();
    await expect(page.getByText("Done. The next one is scheduled.", { exact: true })).toBeVisible();
    await expect(bins).toHaveCount(2);
    const next = bins.and(page.locator('[data-completed="false"]'));
    await expect(next).toHaveCount(1);
    await expect(bins.and(page.locator('[data-completed="true"]'))).toHaveCount(1);
    const nextDue = await next.locator("time").getAttribute("datetime");
    expect(new Date(nextDue!).getTime() - new Date(firstDue!).getTime()).toBe(7 * 24 * 3600 * 1000);

    await page.getByRole("button", { name: "Active" }).click();
    await expect(taskTitles(page)).toHaveText(["Take out the bins", "Send quarterly report", "Buy milk"]);
    await page.getByRole("button", { name: "Completed" }).click();
    await expect(taskTitles(page)).toHaveText(["Take out the bins"]);
    await page.getByRole("button", { name: "All" }).click();
    await expect(taskTitles(page)).toHaveCount(4);
  });

  await test.step("edit a task in the dialog", async () => {
    await page.getByRole("button", { name: 'Edit "Buy milk"' }).click();
    const dialog = page.getByRole("dialog", { name: "Edit task" });
    await dialog.getByLabel("Title").fill("Buy oat milk");
    await dialog.getByLabel("Notes").fill("The barista edition");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await expect(dialog).toBeHidden();
    const list = page.getByRole("list", { name: "Tasks" });
    await expect(list.getByText("Buy oat milk")).toBeVisible();
    await expect(list.getByText("The barista edition")).toBeVisible();
  });

  await test.step("bulk complete, reopen and delete", async () => {
    await page.getByRole("checkbox", { name: "Select all tasks on this page" }).click();
    await expect(page.getByText("4 selected", { exact: true })).toBeVisible();
    const bulk = page.getByRole("region", { name: "Bulk actions" });
    await bulk.getByRole("button", { name: "Complete" }).click();
    // Three were open; the recurring one spawns its next occurrence, which stays open.
    await expect(page.getByText("3 tasks completed", { exact: true })).toBeVisible();
    await expect(taskTitles(page)).toHaveCount(5);
    const open = page.locator('[data-testid="task-item"][data-completed="false"]');
    await expect(open).toHaveCount(1);
    await expect(open).toContainText("Take out the bins");

    await page.getByRole("checkbox", { name: 'Select "Send quarterly report"' }).click();
    await page.getByRole("checkbox", { name: 'Select "Buy oat milk"' }).click();
    await bulk.getByRole("button", { name: "Reopen" }).click();
    await expect(page.getByText("2 tasks reopened", { exact: true })).toBeVisible();
    await expect(page.locator('[data-testid="task-item"][data-completed="false"]')).toHaveCount(3);

    await page.getByRole("checkbox", { name: 'Select "Send quarterly report"' }).click();
    await page.getByRole("checkbox", { name: 'Select "Buy oat milk"' }).click();
    await bulk.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await expect(page.getByText("2 tasks deleted", { exact: true })).toBeVisible();
    const bins = ["Take out the bins", "Take out the bins", "Take out the bins"];
    await expect(taskTitles(page)).toHaveText(bins);

    await page.reload();
    await expect(taskTitles(page)).toHaveText(bins);
  });

  await test.step("sign out", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/tasks");
    await expect(page).toHaveURL(/\/login\?next=%2Ftasks$/);
  });

  let resetLink = "";
  await test.step("forgot password and read the email from the SMTP sink", async () => {
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByText(/If an account exists for this address/)).toBeVisible();
    resetLink = await readResetLink(email);
    expect(new URL(resetLink).pathname).toBe("/reset-password");
  });

  await test.step("reset the password", async () => {
    const url = new URL(resetLink);
    await page.goto(url.pathname + url.search);
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page.getByText("Your password has been changed.", { exact: false })).toBeVisible();
  });

  await test.step("the old password no longer works, the new one does", async () => {
    await page.getByRole("link", { name: "Sign in with your new password" }).click();
    await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password" })).toBeVisible();

    await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(taskTitles(page)).toHaveCount(3);
  });

  await test.step("the used reset link is reported as expired", async () => {
    await page.context().clearCookies();
    const url = new URL(resetLink);
    await page.goto(url.pathname + url.search);
    await expect(page.getByText(/expired or has already been used/)).toBeVisible();
    await expect(page.getByRole("link", { name: "Request a new link" })).toBeVisible();
  });
});
