// A scripted stand-in for the backend: each route answers with what the test says, and every
// request is recorded so tests can assert on what the client actually sent. jsdom has no Fetch
// API, so responses are minimal objects with the parts lib/api.ts reads.

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

export interface FakeResponse {
  status: number;
  ok: boolean;
  headers: { get: (name: string) => string | null };
  json: () => Promise<unknown>;
  text: () => Promise<string>;
}

type Responder = (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

export function json(status: number, body?: unknown, headers: Record<string, string> = {}): FakeResponse {
  const text = body === undefined ? "" : JSON.stringify(body);
  const lower: Record<string, string> = { "content-type": "application/json" };
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => lower[name.toLowerCase()] ?? null },
    json: async () => JSON.parse(text) as unknown,
    text: async () => text,
  };
}

/** A promise the test resolves later, to observe the UI while a request is in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function installFetch(routes: Record<string, Responder | Responder[]>) {
  const calls: RecordedRequest[] = [];
  const queues = new Map<string, Responder[]>();
  for (const [key, value] of Object.entries(routes)) queues.set(key, Array.isArray(value) ? [...value] : [value]);

  const mock = jest.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const method = (init?.method ?? "GET").toUpperCase();
    const headers = { ...((init?.headers as Record<string, string> | undefined) ?? {}) };
    let body: unknown = init?.body;
    if (typeof body === "string" && headers["Content-Type"] === "application/json") body = JSON.parse(body);
    const req: RecordedRequest = { method, url, headers, body, credentials: init?.credentials };
    calls.push(req);
    const key = `${method} ${url.pathname}`;
    const queue = queues.get(key);
    if (!queue || queue.length === 0) throw new Error(`Unexpected request ${key}`);
    // Earlier responders are used once each; the last one answers every later call.
    const responder = queue.length > 1 ? queue.shift()! : queue[0]!;
    return responder(req);
  });
  globalThis.fetch = mock as unknown as typeof fetch;
  return { calls, mock };
}
