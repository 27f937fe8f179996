/**
 * A tiny in-process HTTP server for unit tests of code that talks to the API: routes are
 * `METHOD /path` patterns answered by functions, reached through the real {@link Api} client
 * (its fetch is replaced, nothing else). Used by tests only.
 */
import { Api } from "../platform/net/api";

export type Handler = (req: {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  params: Record<string, string>;
}) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

export function fakeApi(routes: Record<string, Handler>): { api: Api; calls: string[] } {
  const calls: string[] = [];
  const compiled = Object.entries(routes).map(([key, handler]) => {
    const [method, pattern] = key.split(" ") as [string, string];
    const names: string[] = [];
    const re = new RegExp(
      "^" +
        pattern.replace(/:([a-z_]+)/g, (_, n: string) => {
          names.push(n);
          return "([^/]+)";
        }) +
        "$",
    );
    return { method, re, names, handler };
  });
  const fetchFn = (async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://test");
    const method = init?.method ?? "GET";
    calls.push(`${method} ${url.pathname}${url.search}`);
    for (const r of compiled) {
      const m = r.method === method ? r.re.exec(url.pathname) : null;
      if (!m) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      const res = await r.handler({
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
        params,
      });
      if (res.status === 0) throw new TypeError("Failed to fetch");
      return new Response(res.body === undefined ? null : JSON.stringify(res.body), {
        status: res.status,
        headers: { "content-type": "application/json" },
      });
    }
    return new Response(
      JSON.stringify({ error: { code: "route_not_found", message: "no route", field: null } }),
      {
        status: 404,
      },
    );
  }) as typeof fetch;
  const api = new Api(
    {
      accessToken: async () => "token",
      refreshAfterRejection: async () => null,
      ended: () => undefined,
    },
    fetchFn,
  );
  return { api, calls };
}

export function apiError(
  status: number,
  code: string,
  message = code,
  field: string | null = null,
) {
  return { status, body: { error: { code, message, field } } };
}
