import { expect, test } from "@playwright/test";
import type { Session, TagCount, Task, TaskPage, User } from "../lib/api-types";

// The field lists below are tied to the TypeScript types at compile time (every key listed,
// none missing) and checked against the running backend's OpenAPI schema at run time.
type Exact<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]> extends never ? K : never;
const fields = <T>() => <K extends readonly (keyof T)[]>(keys: Exact<T, K>) => keys;

const TASK = fields<Task>()([
  "id", "title", "description", "priority", "tags", "due_at", "recurrence",
  "completed", "completed_at", "created_at", "updated_at",
] as const);
const USER = fields<User>()(["id", "email", "name", "created_at"] as const);
const SESSION = fields<Session>()(["user", "access_token", "token_type", "expires_in"] as const);
const PAGE = fields<TaskPage>()(["items", "total", "limit", "offset"] as const);
const TAG = fields<TagCount>()(["name", "count"] as const);

interface Schema {
  properties?: Record<string, unknown>;
  required?: string[];
  $ref?: string;
}
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema & { items?: Schema } }> }> }>>;
  components: { schemas: Record<string, Schema & { enum?: string[] }> };
}

test("the client's types match the backend's OpenAPI schema", async () => {
  const spec = (await (await fetch(`http://127.0.0.1:${process.env.E2E_BACKEND_PORT}/openapi.json`)).json()) as OpenApi;
  const resolve = (schema: Schema | undefined): Schema => {
    if (schema?.$ref) return spec.components.schemas[schema.$ref.split("/").pop()!]!;
    return schema ?? {};
  };
  const responseSchema = (path: string, method: string, status: string) => {
    const content = spec.paths[path]?.[method]?.responses[status]?.content?.["application/json"];
    expect(content, `${method.toUpperCase()} ${path} ${status}`).toBeTruthy();
    return content!.schema;
  };
  const expectFields = (schema: Schema, keys: readonly string[], label: string) => {
    const props = Object.keys(schema.properties ?? {});
    for (const key of keys) expect(props, `${label}.${key}`).toContain(key);
    // Every field the backend always sends is known to the client.
    for (const required of schema.required ?? []) expect(keys, `${label} requires ${required}`).toContain(required);
  };

  expectFields(resolve(responseSchema("/api/v1/tasks", "post", "201")), TASK, "Task");
  expectFields(resolve(responseSchema("/api/v1/auth/me", "get", "200")), USER, "User");
  expectFields(resolve(responseSchema("/api/v1/auth/login", "post", "200")), SESSION, "Session");
  expectFields(resolve(responseSchema("/api/v1/tasks", "get", "200")), PAGE, "TaskPage");
  const tags = responseSchema("/api/v1/tags", "get", "200") as Schema & { items?: Schema };
  expectFields(resolve(tags.items), TAG, "TagCount");

  const enumOf = (name: string) => spec.components.schemas[name]?.enum ?? [];
  expect(enumOf("Priority").sort()).toEqual(["high", "low", "medium", "none"]);
  expect(enumOf("Recurrence").sort()).toEqual(["daily", "monthly", "none", "weekly", "yearly"]);
  for (const path of [
    "/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout",
    "/api/v1/auth/logout-all", "/api/v1/auth/me", "/api/v1/auth/change-password",
    "/api/v1/auth/forgot-password", "/api/v1/auth/reset-password/validate", "/api/v1/auth/reset-password",
    "/api/v1/tasks", "/api/v1/tasks/{task_id}", "/api/v1/tasks/bulk", "/api/v1/tags",
    "/api/v1/tasks/export", "/api/v1/tasks/import",
  ]) {
    expect(spec.paths[path], path).toBeTruthy();
  }
});
