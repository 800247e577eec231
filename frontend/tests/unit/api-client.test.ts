import { ApiError, authApi, request, setAuthFailureHandler, tasksApi } from "@/lib/api";
import { installFetch, json } from "../fetch-mock";

const task = {
  id: "t1",
  title: "Water plants",
  description: null,
  priority: "none",
  tags: [],
  due_at: null,
  recurrence: "none",
  completed: false,
  completed_at: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const page = { items: [task], total: 1, limit: 50, offset: 0 };

let authFailures = 0;
beforeEach(() => {
  authFailures = 0;
  setAuthFailureHandler(() => {
    authFailures++;
  });
});

test("sends same-origin credentials and the X-Requested-With header on every call", async () => {
  const { calls } = installFetch({ "POST /api/v1/tasks": () => json(201, task) });
  await tasksApi.create({ title: "Water plants" });
  expect(calls).toHaveLength(1);
  expect(calls[0]!.credentials).toBe("same-origin");
  expect(calls[0]!.headers["X-Requested-With"]).toBe("XMLHttpRequest");
  expect(calls[0]!.body).toEqual({ title: "Water plants" });
});

test("after a 401 the client refreshes once and retries the original request", async () => {
  const { calls } = installFetch({
    "GET /api/v1/tasks": [() => json(401, { detail: "Not authenticated" }), () => json(200, page)],
    "POST /api/v1/auth/refresh": () => json(200, { user: {}, access_token: "x", token_type: "bearer", expires_in: 900 }),
  });
  const result = await tasksApi.list({ status: "active" });
  expect(result.items[0]!.title).toBe("Water plants");
  expect(calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
    "GET /api/v1/tasks",
    "POST /api/v1/auth/refresh",
    "GET /api/v1/tasks",
  ]);
  expect(calls[2]!.url.searchParams.get("status")).toBe("active");
  expect(authFailures).toBe(0);
});

test("concurrent 401s share a single refresh", async () => {
  const { calls } = installFetch({
    "GET /api/v1/tasks": [() => json(401, { detail: "expired" }), () => json(401, { detail: "expired" }), () => json(200, page)],
    "POST /api/v1/auth/refresh": () => json(200, {}),
  });
  await Promise.all([tasksApi.list({}), tasksApi.list({})]);
  expect(calls.filter((c) => c.url.pathname === "/api/v1/auth/refresh")).toHaveLength(1);
});

test("when the refresh fails the client clears the session and hands over to the login redirect", async () => {
  const { calls } = installFetch({
    "GET /api/v1/tasks": () => json(401, { detail: "Not authenticated" }),
    "POST /api/v1/auth/refresh": () => json(401, { detail: "Invalid refresh token" }),
    "POST /api/v1/auth/logout": () => json(204),
  });
  await expect(tasksApi.list({})).rejects.toMatchObject({ status: 401 });
  expect(authFailures).toBe(1);
  // Exactly one refresh attempt: no loop.
  expect(calls.filter((c) => c.url.pathname === "/api/v1/auth/refresh")).toHaveLength(1);
  expect(calls.filter((c) => c.url.pathname === "/api/v1/tasks")).toHaveLength(1);
});

test("a 401 from the login endpoint is an answer, not an expired session", async () => {
  const { calls } = installFetch({
    "POST /api/v1/auth/login": () => json(401, { detail: "Invalid email or password" }),
  });
  await expect(authApi.login({ email: "a@b.co", password: "wrong-password" })).rejects.toThrow("Invalid email or password");
  expect(calls).toHaveLength(1);
  expect(authFailures).toBe(0);
});

test("422 list errors become per-field messages", async () => {
  installFetch({
    "POST /api/v1/auth/signup": () =>
      json(422, {
        detail: [{ loc: ["body", "password"], msg: "Value error, This password is too common", type: "value_error" }],
      }),
  });
  const error = (await authApi.signup({ email: "a@b.co", password: "password1" }).catch((e: unknown) => e)) as ApiError;
  expect(error).toBeInstanceOf(ApiError);
  expect(error.status).toBe(422);
  expect(error.fieldErrors.password).toBe("This password is too common");
});

test("PATCH exposes the X-Next-Task-ID header of a completed recurring task", async () => {
  installFetch({
    "PATCH /api/v1/tasks/t1": () => json(200, { ...task, completed: true }, { "X-Next-Task-ID": "t2" }),
  });
  const result = await tasksApi.update("t1", { completed: true });
  expect(result.nextTaskId).toBe("t2");
  expect(result.task.completed).toBe(true);
});

test("repeated query parameters are sent once per value", async () => {
  const { calls } = installFetch({ "GET /api/v1/tasks": () => json(200, page) });
  await request("/tasks", { query: { tag: ["home", "work"], q: "" } });
  expect(calls[0]!.url.searchParams.getAll("tag")).toEqual(["home", "work"]);
  expect(calls[0]!.url.searchParams.has("q")).toBe(false);
});

test("requests failing together after the session ended hand over to login only once", async () => {
  installFetch({
    "GET /api/v1/tasks": () => json(401, { detail: "Not authenticated" }),
    "GET /api/v1/tags": () => json(401, { detail: "Not authenticated" }),
    "POST /api/v1/auth/refresh": () => json(401, { detail: "Invalid refresh token" }),
    "POST /api/v1/auth/logout": () => json(204),
  });
  const results = await Promise.allSettled([tasksApi.list({}), tasksApi.tags()]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  expect(authFailures).toBe(1);
});
