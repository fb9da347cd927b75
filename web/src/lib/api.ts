/**
 * The one way the app talks to the server: JSON over /api/v1 with the session cookie,
 * the CSRF token echoed on writes, and problem+json refusals turned into ApiError.
 */

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code?: string;
  detail?: string;
  errors?: FieldProblem[];
  [extra: string]: unknown;
}

const explainers = new Map<string, (problem: Problem) => string>();

/** Say refusals with this stable code in a feature's own words (in the user's language)
 * instead of the server's detail: every ApiError's `message` then reads so, wherever
 * a screen shows it (a record awaiting approval refusing a save, say). */
export function explainProblem(code: string, explain: (problem: Problem) => string): void {
  explainers.set(code, explain);
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(explainers.get(problem.code ?? "")?.(problem) ?? problem.detail ?? problem.title ?? `HTTP ${String(problem.status)}`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  /** The refusal's message for one field, if the server named it. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const error of this.problem.errors ?? []) out[error.field] = error.message;
    return out;
  }
}

/** What to tell the user about a failed request: the server's words for a refusal
 * (problem+json, in their language), ``fallback`` for anything else. */
export function problemMessage(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called when the server answers 401 to a signed-in request (the session ended). */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Don't treat a 401 as "the session ended" (the sign-in form expects them). */
  quiet401?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = {
    Accept: "application/json",
    // Refusals come back in the language the user reads (i18n keeps <html lang> current).
    "Accept-Language": document.documentElement.lang || "zh-CN",
    ...options.headers,
  };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: "same-origin",
    signal: options.signal,
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const problem: Problem =
      data && typeof data === "object"
        ? { ...(data as Problem), status: response.status }
        : { status: response.status, title: response.statusText };
    if (response.status === 401 && !options.quiet401) {
      for (const listener of unauthenticatedListeners) listener();
    }
    throw new ApiError(problem);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>(path, { signal }),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>(path, { method: "POST", body, headers }),
  patch: <T>(path: string, body: unknown, headers?: Record<string, string>) =>
    request<T>(path, { method: "PATCH", body, headers }),
  put: <T>(path: string, body: unknown, headers?: Record<string, string>) =>
    request<T>(path, { method: "PUT", body, headers }),
  delete: <T>(path: string, headers?: Record<string, string>) =>
    request<T>(path, { method: "DELETE", headers }),
};

export interface StoredFile {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

/** Where a stored file downloads (what an attachment link or a file field points at). */
export function fileUrl(id: string): string {
  return `/api/v1/files/${id}`;
}

/** Send a multipart body by XHR: unlike fetch, it reports how much of the body went out. */
function sendWithProgress(url: string, headers: Record<string, string>, body: FormData, onProgress: (percent: number) => void): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new TypeError("Network request failed"));
    xhr.send(body);
  });
}

/** Upload one file (multipart field `file`): to the file store by default, its id then
 * going into a file field, or to `path` (a record's attachments). With `onProgress`,
 * the percentage sent so far is reported as it goes (for a progress bar). */
export async function upload<T = StoredFile>(file: File, path = "/files", onProgress?: (percent: number) => void): Promise<T> {
  const form = new FormData();
  form.append("file", file);
  const headers: Record<string, string> = {
    "Accept-Language": document.documentElement.lang || "zh-CN",
    ...(csrfToken ? { "X-CSRF-Token": csrfToken } : {}),
  };
  const url = `/api/v1${path}`;
  const { status, text } = onProgress
    ? await sendWithProgress(url, headers, form, onProgress)
    : await fetch(url, { method: "POST", credentials: "same-origin", headers, body: form }).then(async (response) => ({ status: response.status, text: await response.text() }));
  let data = {} as Problem & T;
  try {
    data = JSON.parse(text) as Problem & T;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (status < 200 || status >= 300) throw new ApiError({ ...data, status });
  return data;
}

/** POST a body and save the file the server answers with (exports). */
export async function download(path: string, body: unknown, fallbackName: string): Promise<void> {
  const response = await fetch(`/api/v1${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", ...(csrfToken ? { "X-CSRF-Token": csrfToken } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const data = (await response.json().catch(() => ({}))) as Problem;
    throw new ApiError({ ...data, status: response.status });
  }
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  anchor.click();
  URL.revokeObjectURL(url);
}

/** A query string from the defined values (arrays joined by commas, as the API reads them). */
export function query(params: Record<string, string | number | boolean | string[] | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
