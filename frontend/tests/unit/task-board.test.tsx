import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { TaskBoard } from "@/components/tasks/task-board";
import { Toaster } from "@/components/ui/toast";
import type { Task } from "@/lib/api-types";
import { deferred, installFetch, json, type FakeResponse, type RecordedRequest } from "../fetch-mock";

function makeTask(overrides: Partial<Task>): Task {
  return {
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
    ...overrides,
  };
}

const water = makeTask({ id: "t1", title: "Water plants", tags: ["home"] });
const report = makeTask({ id: "t2", title: "Send report", priority: "high", tags: ["work"] });
const listOf = (items: Task[]) => () => json(200, { items, total: items.length, limit: 20, offset: 0 });

function renderBoard() {
  return render(
    <Toaster>
      <TaskBoard />
    </Toaster>,
  );
}

const listCalls = (calls: RecordedRequest[]) => calls.filter((c) => c.method === "GET" && c.url.pathname === "/api/v1/tasks");

test("status filter and debounced search are sent to the API", async () => {
  // Fake timers make the debounce deterministic: typing never waits, time moves only when told.
  jest.useFakeTimers();
  try {
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const { calls } = installFetch({
      "GET /api/v1/tasks": listOf([water, report]),
      "GET /api/v1/tags": () => json(200, [{ name: "home", count: 1 }]),
    });
    renderBoard();
    expect(await screen.findByText("Water plants")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Active" }));
    await waitFor(() => expect(listCalls(calls).at(-1)!.url.searchParams.get("status")).toBe("active"));
    expect(screen.getByRole("button", { name: "Active" })).toHaveAttribute("aria-pressed", "true");

    const before = listCalls(calls).length;
    await user.type(screen.getByLabelText("Search tasks"), "plant");
    // Nothing is sent while the user is still typing...
    act(() => jest.advanceTimersByTime(250));
    expect(listCalls(calls)).toHaveLength(before);
    // ...and one request for the whole word once they pause.
    act(() => jest.advanceTimersByTime(100));
    await waitFor(() => expect(listCalls(calls).at(-1)!.url.searchParams.get("q")).toBe("plant"));
    expect(listCalls(calls).length - before).toBe(1);
    expect(listCalls(calls).at(-1)!.url.searchParams.get("status")).toBe("active");
  } finally {
    jest.useRealTimers();
  }
});

test("completing a task shows it done at once and rolls back with the server's message when refused", async () => {
  const patch = deferred<FakeResponse>();
  installFetch({
    "GET /api/v1/tasks": listOf([water]),
    "GET /api/v1/tags": () => json(200, []),
    "PATCH /api/v1/tasks/t1": () => patch.promise,
  });
  renderBoard();
  const toggle = await screen.findByRole("checkbox", { name: 'Mark "Water plants" as done' });
  await userEvent.click(toggle);
  // Optimistic: checked before the server has answered.
  expect(screen.getByRole("checkbox", { name: 'Mark "Water plants" as not done' })).toBeChecked();

  patch.resolve(json(409, { detail: "This task was changed elsewhere" }));
  expect(await screen.findByText("Could not update the task")).toBeInTheDocument();
  expect(screen.getByText("This task was changed elsewhere")).toBeInTheDocument();
  expect(screen.getByRole("checkbox", { name: 'Mark "Water plants" as done' })).not.toBeChecked();
});

test("completing a recurring task announces the next occurrence and offers undo", async () => {
  const weekly = makeTask({ id: "t1", title: "Take out bins", recurrence: "weekly", due_at: "2030-01-01T09:00:00Z" });
  const { calls } = installFetch({
    "GET /api/v1/tasks": listOf([weekly]),
    "GET /api/v1/tags": () => json(200, []),
    "PATCH /api/v1/tasks/t1": (req) =>
      json(200, { ...weekly, completed: (req.body as { completed: boolean }).completed }, { "X-Next-Task-ID": "t9" }),
    "DELETE /api/v1/tasks/t9": () => json(204),
  });
  renderBoard();
  await userEvent.click(await screen.findByRole("checkbox", { name: 'Mark "Take out bins" as done' }));
  expect(await screen.findByText("Done. The next one is scheduled.")).toBeInTheDocument();
  // Radix marks the toast region pointer-events: none while it animates in; the button still works.
  await userEvent.setup({ pointerEventsCheck: 0 }).click(screen.getByRole("button", { name: "Undo" }));
  await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.url.pathname === "/api/v1/tasks/t9")).toBe(true));
  const reopen = calls.filter((c) => c.method === "PATCH").at(-1)!;
  expect(reopen.body).toEqual({ completed: false });
});

test("delete asks for confirmation, removes the task at once and restores it when the server refuses", async () => {
  const del = deferred<FakeResponse>();
  installFetch({
    "GET /api/v1/tasks": listOf([water, report]),
    "GET /api/v1/tags": () => json(200, []),
    "DELETE /api/v1/tasks/t2": () => del.promise,
  });
  renderBoard();
  await userEvent.click(await screen.findByRole("button", { name: 'Delete "Send report"' }));
  const dialog = await screen.findByRole("alertdialog");
  expect(within(dialog).getByText(/"Send report" will be deleted/)).toBeInTheDocument();
  await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
  await waitFor(() => expect(screen.queryByText("Send report")).not.toBeInTheDocument());

  del.resolve(json(500, { detail: "Internal server error" }));
  expect(await screen.findByText("Could not delete")).toBeInTheDocument();
  expect(screen.getByText("Send report")).toBeInTheDocument();
});

test("bulk complete sends the selected ids", async () => {
  const { calls } = installFetch({
    "GET /api/v1/tasks": listOf([water, report]),
    "GET /api/v1/tags": () => json(200, []),
    "POST /api/v1/tasks/bulk": () => json(200, { affected: 2 }),
  });
  renderBoard();
  await userEvent.click(await screen.findByRole("checkbox", { name: "Select all tasks on this page" }));
  expect(screen.getByText("2 selected")).toBeInTheDocument();
  await userEvent.click(within(screen.getByRole("region", { name: "Bulk actions" })).getByRole("button", { name: /Complete/ }));
  expect(await screen.findByText("2 tasks completed")).toBeInTheDocument();
  const bulk = calls.find((c) => c.url.pathname === "/api/v1/tasks/bulk")!;
  expect(bulk.body).toEqual({ ids: ["t1", "t2"], action: "complete" });
});

test("the empty state says what to do", async () => {
  installFetch({ "GET /api/v1/tasks": listOf([]), "GET /api/v1/tags": () => json(200, []) });
  renderBoard();
  expect(await screen.findByText("Nothing to do yet")).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Add a task" })).toBeInTheDocument();
});

test("quick add validates the title and sends the task", async () => {
  const { calls } = installFetch({
    "GET /api/v1/tasks": listOf([]),
    "GET /api/v1/tags": () => json(200, []),
    "POST /api/v1/tasks": (req) => json(201, makeTask({ id: "t5", title: (req.body as { title: string }).title })),
  });
  renderBoard();
  await screen.findByText("Nothing to do yet");
  await userEvent.click(screen.getByRole("button", { name: "Add task" }));
  expect(screen.getByLabelText("New task title")).toHaveAccessibleDescription("Give the task a title.");
  await userEvent.type(screen.getByLabelText("New task title"), "  Buy milk  {Enter}");
  await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
  expect(calls.find((c) => c.method === "POST")!.body).toMatchObject({ title: "Buy milk", priority: "none", tags: [] });
  expect(await screen.findByText("Task added")).toBeInTheDocument();
});

test("pagination asks the API for the next page and shows where the user is", async () => {
  const many = Array.from({ length: 20 }, (_, i) => makeTask({ id: `p${i}`, title: `Task ${i + 1}` }));
  const { calls } = installFetch({
    "GET /api/v1/tasks": (req) =>
      json(200, { items: many, total: 45, limit: 20, offset: Number(req.url.searchParams.get("offset") ?? 0) }),
    "GET /api/v1/tags": () => json(200, []),
  });
  renderBoard();
  expect(await screen.findByText("1–20 of 45")).toBeInTheDocument();
  expect(screen.getByRole("button", { name: /Previous/ })).toBeDisabled();
  await userEvent.click(screen.getByRole("button", { name: /Next/ }));
  expect(await screen.findByText("21–40 of 45")).toBeInTheDocument();
  expect(listCalls(calls).at(-1)!.url.searchParams.get("offset")).toBe("20");
  expect(listCalls(calls).at(-1)!.url.searchParams.get("limit")).toBe("20");
});
