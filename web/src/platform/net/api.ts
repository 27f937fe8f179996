/**
 * The HTTP client every feature uses. It adds the access token, refreshes it transparently
 * when it has expired (once per request), and turns every failure into an {@link ApiError}.
 * Features never call `fetch` themselves.
 */
import { ApiError, NETWORK_ERROR, errorFromResponse } from "./errors";

/** What the client needs from the auth session (features/auth/session.ts). */
export interface TokenSource {
  /** A current access token, refreshing first if needed; null when signed out. */
  accessToken(): Promise<string | null>;
  /** The server refused `token`: get a new one (null when the session cannot continue). */
  refreshAfterRejection(token: string): Promise<string | null>;
  /** The server says the session is over. */
  ended(reason: ApiError): void;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export class Api {
  constructor(
    private readonly tokens: TokenSource,
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
    private readonly base = "",
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", withQuery(path, query));
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body ?? {});
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, body);
  }
  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  /**
   * A file the server renders (a report as CSV): the body and the file name it suggests in
   * `Content-Disposition`, with the same token handling and errors as every other request.
   */
  async download(
    path: string,
    query: Query,
    accept: string,
  ): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.respond("GET", withQuery(path, query), undefined, accept);
    const disposition = res.headers.get("content-disposition") ?? "";
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    return { blob: await res.blob(), filename: m?.[1] ? decodeURIComponent(m[1]) : null };
  }

  /** Sends a file as the request body (`text/csv` for an import) and reads the JSON answer. */
  async upload<T>(path: string, query: Query, file: Blob, contentType: string): Promise<T> {
    const res = await this.respond("POST", withQuery(path, query), new RawBody(file, contentType));
    return (await res.json()) as T;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.respond(method, path, body);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private async respond(
    method: string,
    path: string,
    body: unknown,
    accept = "application/json",
  ): Promise<Response> {
    let token = await this.tokens.accessToken();
    let res = await this.send(method, path, token, body, accept);
    if (res.status === 401 && token) {
      const err = await errorFromResponse(res);
      if (err.code === "token_expired" || err.code === "invalid_token") {
        token = await this.tokens.refreshAfterRejection(token);
        if (!token) throw err;
        res = await this.send(method, path, token, body, accept);
      } else {
        if (err.code === "session_ended") this.tokens.ended(err);
        throw err;
      }
    }
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (err.status === 401 && err.code === "session_ended") this.tokens.ended(err);
      throw err;
    }
    return res;
  }

  private async send(
    method: string,
    path: string,
    token: string | null,
    body: unknown,
    accept: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (token) headers.authorization = `Bearer ${token}`;
    const raw = body instanceof RawBody ? body : null;
    if (body !== undefined) headers["content-type"] = raw ? raw.contentType : "application/json";
    try {
      return await this.fetchFn(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? raw.data : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, NETWORK_ERROR, "the server cannot be reached");
    }
  }
}

/** A request body sent as it is (a file), not as JSON. */
class RawBody {
  constructor(
    readonly data: Blob,
    readonly contentType: string,
  ) {}
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
