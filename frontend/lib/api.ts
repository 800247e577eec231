import type {
  BulkAction,
  Session,
  TagCount,
  Task,
  TaskCreate,
  TaskPage,
  TaskQuery,
  TaskUpdate,
  User,
} from "./api-types";
import { loginUrl } from "./safe-next";

export const API_BASE = "/api/v1";

interface ValidationIssue {
  loc?: (string | number)[];
  msg?: string;
  type?: string;
}

/** An error answered by the API, carrying the backend's own message(s). */
export class ApiError extends Error {
  readonly status: number;
  /** Messages keyed by the request field they refer to (from a 422 `detail` list). */
  readonly fieldErrors: Record<string, string>;
  readonly retryAfter: number | null;

  constructor(status: number, message: string, fieldErrors: Record<string, string> = {}, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter;
  }
}

/** Removes pydantic's "Value error, " prefix so messages read as written by the backend. */
function cleanMessage(msg: string): string {
  return msg.replace(/^Value error,\s*/i, "");
}

/** Turns a FastAPI error body into an ApiError (string `detail` or the 422 list form). */
export async function toApiError(response: Response): Promise<ApiError> {
  let detail: unknown = null;
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && "detail" in body) detail = (body as { detail: unknown }).detail;
  } catch {
    detail = null;
  }
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  if (typeof detail === "string") return new ApiError(response.status, detail, {}, retryAfter);
  if (Array.isArray(detail)) {
    const fieldErrors: Record<string, string> = {};
    const messages: string[] = [];
    for (const issue of detail as ValidationIssue[]) {
      const msg = cleanMessage(issue.msg ?? "Invalid value");
      const loc = (issue.loc ?? []).filter((part) => part !== "body" && part !== "query");
      const field = loc.length > 0 ? String(loc[0]) : "";
      if (field && !(field in fieldErrors)) fieldErrors[field] = msg;
      messages.push(field ? `${field}: ${msg}` : msg);
    }
    return new ApiError(response.status, messages.join("; ") || "The request was invalid.", fieldErrors, retryAfter);
  }
  const fallback =
    response.status === 429
      ? "Too many attempts. Please wait a moment and try again."
      : response.status >= 500
        ? "The server had a problem. Please try again."
        : `Request failed (${response.status}).`;
  return new ApiError(response.status, fallback, {}, retryAfter);
}

type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Serialised as JSON. */
  json?: unknown;
  /** Sent as is (e.g. CSV text) with `contentType`. */
  body?: string;
  contentType?: string;
  query?: Query;
  /** false for the auth endpoints themselves: a 401 there is an answer, not an expired session. */
  refreshOnUnauthorized?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
  status: number;
}

// Several requests can fail together when a session ends; only the first one hands over.
let handingOver = false;

let onAuthFailure: () => void = () => {
  if (typeof window === "undefined") return;
  window.location.assign(loginUrl(window.location.pathname + window.location.search));
};

/** Replaces what happens when the session cannot be renewed (tests, or a custom router). */
export function setAuthFailureHandler(handler: () => void): void {
  onAuthFailure = handler;
  handingOver = false;
}

function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((item) => params.append(key, item));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ""}`;
}

function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    // The backend's CSRF rule: cookie-authenticated unsafe requests need this header or JSON.
    "X-Requested-With": "XMLHttpRequest",
  };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers["Content-Type"] = options.contentType ?? "text/plain";
    body = options.body;
  }
  return fetch(buildUrl(path, options.query), {
    method: options.method ?? "GET",
    headers,
    body,
    credentials: "same-origin",
    cache: "no-store",
  });
}

let refreshing: Promise<boolean> | null = null;

/** Renews the access token from the refresh cookie; concurrent callers share one attempt. */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = send("/auth/refresh", { method: "POST" })
      .then((response) => response.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

/** One API call: refreshes once on 401 and retries, else hands over to the auth-failure handler. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  let response: Response;
  try {
    response = await send(path, options);
  } catch {
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  if (response.status === 401 && options.refreshOnUnauthorized !== false) {
    if (await refreshSession()) {
      response = await send(path, options);
    }
    if (response.status === 401) {
      if (!handingOver) {
        handingOver = true;
        // Clear the stale cookies so the proxy does not bounce /login back to the app.
        await send("/auth/logout", { method: "POST" }).catch(() => undefined);
        onAuthFailure();
      }
      throw await toApiError(response);
    }
  }
  if (!response.ok) throw await toApiError(response);
  const data = (response.status === 204 || response.status === 205 ? undefined : await parseBody(response)) as T;
  return { data, headers: response.headers, status: response.status };
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  const type = response.headers.get("Content-Type") ?? "";
  return type.includes("json") ? JSON.parse(text) : text;
}

const noRefresh = { refreshOnUnauthorized: false } as const;

export const authApi = {
  signup: (input: { email: string; password: string; name?: string }) =>
    request<Session>("/auth/signup", { method: "POST", json: input, ...noRefresh }).then((r) => r.data),
  login: (input: { email: string; password: string }) =>
    request<Session>("/auth/login", { method: "POST", json: input, ...noRefresh }).then((r) => r.data),
  logout: () => request<void>("/auth/logout", { method: "POST", ...noRefresh }).then(() => undefined),
  logoutAll: () => request<void>("/auth/logout-all", { method: "POST" }).then(() => undefined),
  me: () => request<User>("/auth/me").then((r) => r.data),
  updateMe: (input: { name: string | null }) =>
    request<User>("/auth/me", { method: "PATCH", json: input }).then((r) => r.data),
  deleteMe: (password: string) =>
    request<void>("/auth/me", { method: "DELETE", json: { password } }).then(() => undefined),
  changePassword: (input: { current_password: string; new_password: string }) =>
    request<void>("/auth/change-password", { method: "POST", json: input }).then(() => undefined),
  forgotPassword: (email: string) =>
    request<{ message: string }>("/auth/forgot-password", { method: "POST", json: { email }, ...noRefresh }).then(
      (r) => r.data,
    ),
  validateResetToken: (token: string) =>
    request<void>("/auth/reset-password/validate", { method: "POST", json: { token }, ...noRefresh }).then(
      () => undefined,
    ),
  resetPassword: (input: { token: string; new_password: string }) =>
    request<void>("/auth/reset-password", { method: "POST", json: input, ...noRefresh }).then(() => undefined),
};

export const tasksApi = {
  list: (query: TaskQuery) =>
    request<TaskPage>("/tasks", { query: { ...query } as Query }).then((r) => r.data),
  create: (input: TaskCreate) => request<Task>("/tasks", { method: "POST", json: input }).then((r) => r.data),
  update: async (id: string, input: TaskUpdate): Promise<{ task: Task; nextTaskId: string | null }> => {
    const response = await request<Task>(`/tasks/${encodeURIComponent(id)}`, { method: "PATCH", json: input });
    return { task: response.data, nextTaskId: response.headers.get("X-Next-Task-ID") };
  },
  remove: (id: string) =>
    request<void>(`/tasks/${encodeURIComponent(id)}`, { method: "DELETE" }).then(() => undefined),
  bulk: (ids: string[], action: BulkAction) =>
    request<{ affected: number }>("/tasks/bulk", { method: "POST", json: { ids, action } }).then((r) => r.data),
  tags: () => request<TagCount[]>("/tags").then((r) => r.data),
  importJson: (payload: unknown) =>
    request<{ imported: number }>("/tasks/import", { method: "POST", json: payload }).then((r) => r.data),
  importCsv: (csv: string) =>
    request<{ imported: number }>("/tasks/import", { method: "POST", body: csv, contentType: "text/csv" }).then(
      (r) => r.data,
    ),
  exportUrl: (format: "json" | "csv") => buildUrl("/tasks/export", { format }),
};
