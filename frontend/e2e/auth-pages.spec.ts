import { expect, test } from "@playwright/test";
import { PASSWORD, createTaskViaApi, signUpViaApi, uniqueEmail } from "./helpers";

test("an unknown or expired reset link says so at once and offers a new one", async ({ page }) => {
  await page.goto("/reset-password?token=this-token-was-never-issued");
  await expect(page.getByText(/expired or has already been used/)).toBeVisible();
  await page.getByRole("link", { name: "Request a new link" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
});

test("signed-out visitors are sent to login and come back after signing in", async ({ page }) => {
  const email = uniqueEmail("next");
  await signUpViaApi(page, email);
  await page.context().clearCookies();

  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
});

test("an off-site next value is ignored after login", async ({ page }) => {
  const email = uniqueEmail("offsite");
  await signUpViaApi(page, email);
  await page.context().clearCookies();
  await page.goto("/login?next=//evil.example/phish");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
});

test("signed-in users skip the landing and login pages", async ({ page }) => {
  await signUpViaApi(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/tasks$/);
  await page.goto("/login");
  await expect(page).toHaveURL(/\/tasks$/);
});

test("the session survives an expired access token through a refresh", async ({ page, context }) => {
  await signUpViaApi(page);
  // Drop the access token only: the next API call gets a 401 and the client must refresh.
  const cookies = await context.cookies();
  await context.clearCookies();
  await context.addCookies(cookies.filter((c) => c.name !== "access_token"));
  await page.goto("/tasks");
  await expect(page.getByText("Nothing to do yet")).toBeVisible();
  expect((await context.cookies()).some((c) => c.name === "access_token")).toBe(true);
});

test("when the session cannot be renewed the app returns to login, without a redirect loop", async ({ page, context }) => {
  await signUpViaApi(page);
  // Only the page-path marker survives: the proxy lets /tasks through, the API refuses.
  const marker = (await context.cookies()).filter((c) => c.name === "session");
  expect(marker).toHaveLength(1);
  await context.clearCookies();
  await context.addCookies(marker);
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/login\?next=%2Ftasks$/);
  await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
  expect((await context.cookies()).some((c) => c.name === "session")).toBe(false);
});

test("signup shows the backend's rule for a common password", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(uniqueEmail("weak"));
  await page.getByLabel("Password", { exact: true }).fill("password123");
  await page.getByRole("button", { name: "Create account" }).click();
  // The backend's own wording, shown under the password field it refers to.
  await expect(page.getByLabel("Password", { exact: true })).toHaveAccessibleDescription(/too common/);
  await expect(page).toHaveURL(/\/signup$/);
});

test("settings: rename, change password, export and import, delete the account", async ({ page }) => {
  const email = await signUpViaApi(page, uniqueEmail("settings"));
  await page.goto("/settings");
  await page.getByLabel("Name").fill("Ada King");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved", { exact: true })).toBeVisible();

  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("New password", { exact: true }).fill("another fine passphrase 9");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current-password-error")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText(/Password changed/)).toBeVisible();

  await createTaskViaApi(page, { title: "Carried over", tags: ["moving"], priority: "high" });
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export JSON" }).click();
  const exported = await download;
  expect(exported.suggestedFilename()).toMatch(/\.json$/);
  // Importing the export back adds a copy of every task.
  await page.locator("#import-file").setInputFiles((await exported.path())!);
  await expect(page.getByText("Imported 1 task.")).toBeVisible();
  const list = await page.request.get("/api/v1/tasks?q=Carried");
  expect(((await list.json()) as { total: number }).total).toBe(2);
  await page.locator("#import-file").setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from("{not json") });
  await expect(page.getByText(/not valid JSON/)).toBeVisible();

  await page.getByRole("button", { name: "Delete my account" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete your account?" });
  await dialog.getByLabel("Password", { exact: true }).fill("wrong password here");
  await dialog.getByRole("button", { name: "Delete forever" }).click();
  await expect(dialog.locator("#delete-password-error")).toBeVisible();
  await dialog.getByLabel("Password", { exact: true }).fill("another fine passphrase 9");
  await dialog.getByRole("button", { name: "Delete forever" }).click();
  await expect(page).toHaveURL(/\/$/);

  const login = await page.request.post("/api/v1/auth/login", { data: { email, password: "another fine passphrase 9" } });
  expect(login.status()).toBe(401);
});
