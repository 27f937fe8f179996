import { describe, expect, it } from "vitest";
import { memoryTokenStore } from "../../platform/db/tokenStore";
import { Api } from "../../platform/net/api";
import { AuthSession, type LockManagerLike, type TokenResponse } from "./session";

/** A stand-in for the server's refresh endpoint with its real rules: single use, and a reused
 * token revokes the whole family. */
class FakeAuthServer {
  private next = 1;
  valid = new Set<string>();
  used = new Set<string>();
  presented: string[] = [];
  reuseDetected = false;
  expiredAccess = new Set<string>();
  delayMs = 5;

  issue(): TokenResponse {
    const n = this.next++;
    this.valid.add(`r${n}`);
    return {
      access_token: `a${n}`,
      token_type: "Bearer",
      expires_in: 900,
      refresh_token: `r${n}`,
      refresh_expires_in: 2_592_000,
      must_change_password: false,
    };
  }

  fetch: typeof fetch = async (input, init) => {
    await new Promise((r) => setTimeout(r, this.delayMs));
    const url = String(input);
    const body = init?.body ? JSON.parse(String(init.body)) : {};
    if (url === "/api/auth/refresh") {
      const token = body.refresh_token as string;
      this.presented.push(token);
      if (this.used.has(token)) {
        this.reuseDetected = true;
        this.valid.clear();
      }
      if (!this.valid.has(token)) return error(401, "invalid_refresh_token");
      this.valid.delete(token);
      this.used.add(token);
      return ok(this.issue());
    }
    if (url === "/api/things") {
      const auth = (init?.headers as Record<string, string>).authorization ?? "";
      if (this.expiredAccess.has(auth.replace("Bearer ", ""))) return error(401, "token_expired");
      return ok({ auth });
    }
    return error(404, "route_not_found");
  };
}

function ok(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200 });
}
function error(status: number, code: string): Response {
  return new Response(JSON.stringify({ error: { code, message: code, field: null } }), { status });
}

/** An exclusive lock per name, like navigator.locks shared by every tab of an origin. */
function sharedLocks(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, cb: () => Promise<T>): Promise<T> {
      const prev = tails.get(name) ?? Promise.resolve();
      const run = prev.then(cb, cb);
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}

describe("AuthSession refresh", () => {
  it("shares one refresh among concurrent callers in a tab", async () => {
    const server = new FakeAuthServer();
    const store = memoryTokenStore(server.issue().refresh_token);
    const tab = new AuthSession(store, {
      fetch: server.fetch,
      locks: sharedLocks(),
      channel: null,
    });
    const tokens = await Promise.all([tab.accessToken(), tab.accessToken(), tab.accessToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(server.presented).toEqual(["r1"]);
  });

  it("never presents the same refresh token twice when tabs refresh at once", async () => {
    const server = new FakeAuthServer();
    const store = memoryTokenStore(server.issue().refresh_token); // one IndexedDB per origin
    const locks = sharedLocks();
    const tabs = [1, 2, 3].map(
      () => new AuthSession(store, { fetch: server.fetch, locks, channel: null }),
    );
    const tokens = await Promise.all(tabs.map((t) => t.refresh()));
    expect(tokens.every((t) => t !== null)).toBe(true);
    expect(new Set(server.presented).size).toBe(server.presented.length);
    expect(server.reuseDetected).toBe(false);
    expect(tabs.map((t) => t.getState().status)).toEqual(["signed_in", "signed_in", "signed_in"]);
  });

  it("would trip reuse detection without the lock (why the lock exists)", async () => {
    const server = new FakeAuthServer();
    const store = memoryTokenStore(server.issue().refresh_token);
    const tabs = [1, 2].map(
      () => new AuthSession(store, { fetch: server.fetch, locks: null, channel: null }),
    );
    await Promise.all(tabs.map((t) => t.refresh()));
    expect(server.reuseDetected).toBe(true);
  });

  it("signs out and forgets the stored token when the server refuses it", async () => {
    const server = new FakeAuthServer();
    const store = memoryTokenStore("stolen-and-revoked");
    const tab = new AuthSession(store, {
      fetch: server.fetch,
      locks: sharedLocks(),
      channel: null,
    });
    await tab.start();
    expect(tab.getState()).toMatchObject({ status: "signed_out" });
    expect(await store.get()).toBeNull();
  });

  it("keeps the stored token when the server cannot be reached", async () => {
    const store = memoryTokenStore("r9");
    const offline: typeof fetch = async () => {
      throw new TypeError("Failed to fetch");
    };
    const tab = new AuthSession(store, { fetch: offline, locks: sharedLocks(), channel: null });
    await expect(tab.refresh()).rejects.toMatchObject({ code: "network_error" });
    expect(await store.get()).toBe("r9");
  });
});

describe("signing out", () => {
  it("signs the other tabs out at once", async () => {
    const server = new FakeAuthServer();
    const store = memoryTokenStore(server.issue().refresh_token);
    const locks = sharedLocks();
    const name = `auth-test-${Math.random()}`;
    const [a, b] = [1, 2].map(
      () =>
        new AuthSession(store, { fetch: server.fetch, locks, channel: new BroadcastChannel(name) }),
    );
    await a!.start();
    await b!.start();
    const signedOut = new Promise<void>((resolve) =>
      b!.subscribe(() => b!.getState().status === "signed_out" && resolve()),
    );
    await a!.logout(false);
    await signedOut;
    expect(b!.getState()).toEqual({
      status: "signed_out",
      notice: "You signed out in another tab.",
    });
    expect(await store.get()).toBeNull();
  });
});

describe("Api with the session", () => {
  it("refreshes an expired access token once and retries the request", async () => {
    const server = new FakeAuthServer();
    const store = memoryTokenStore(server.issue().refresh_token);
    const session = new AuthSession(store, {
      fetch: server.fetch,
      locks: sharedLocks(),
      channel: null,
    });
    await session.start(); // access token a2
    server.expiredAccess.add("a2");
    const api = new Api(session, server.fetch);
    const reply = await api.get<{ auth: string }>("/api/things");
    expect(reply.auth).toBe("Bearer a3");
    expect(server.presented).toEqual(["r1", "r2"]);
  });
});
