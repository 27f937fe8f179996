/**
 * The auth session: who is signed in, and their tokens.
 *
 * - The access token (a 15-minute JWT) is kept in this object only, never in storage.
 * - The refresh token (single use, rotating) is kept in a {@link TokenStore} (IndexedDB), so a
 *   reload or a new tab continues the session.
 * - Refreshing happens under a Web Lock named {@link REFRESH_LOCK}: reading the stored refresh
 *   token, presenting it and storing its successor are one critical section across every tab
 *   of the origin, so no two tabs ever present the same refresh token (the server would treat
 *   that as theft and end the session). Inside one tab concurrent callers share one refresh.
 * - A network failure during refresh keeps the stored token (the session may continue when
 *   the connection returns); a refusal by the server clears it and signs out.
 * - Signing out in one tab tells the others at once (BroadcastChannel {@link AUTH_CHANNEL}),
 *   so a shared till never keeps showing a signed-out person's screens.
 */
import type { TokenStore } from "../../platform/db/tokenStore";
import type { TokenSource } from "../../platform/net/api";
import {
  ApiError,
  NETWORK_ERROR,
  describeError,
  errorFromResponse,
} from "../../platform/net/errors";

export const REFRESH_LOCK = "chainsync-refresh-token";
export const AUTH_CHANNEL = "chainsync-auth";

/** Refresh this long before the access token expires, so requests never race its expiry. */
const EARLY_MS = 30_000;

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  must_change_password: boolean;
}

/** The part of `navigator.locks` we use. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The part of BroadcastChannel we use. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (e: MessageEvent) => void): void;
}

export interface SessionOptions {
  fetch?: typeof fetch;
  /** `navigator.locks` by default; null where Web Locks are missing (one tab only then). */
  locks?: LockManagerLike | null;
  /** A BroadcastChannel to the origin's other tabs by default; null for none. */
  channel?: ChannelLike | null;
  now?: () => number;
}

export type AuthState =
  | { status: "loading" }
  | { status: "signed_out"; notice: string | null }
  | { status: "signed_in"; mustChangePassword: boolean };

export class AuthSession implements TokenSource {
  private access: { token: string; expiresAt: number } | null = null;
  private inflight: Promise<string | null> | null = null;
  private state: AuthState = { status: "loading" };
  private readonly listeners = new Set<() => void>();

  private readonly fetchFn: typeof fetch;
  private readonly locks: LockManagerLike | null;
  private readonly channel: ChannelLike | null;
  private readonly now: () => number;

  constructor(
    private readonly store: TokenStore,
    options: SessionOptions = {},
  ) {
    this.fetchFn = options.fetch ?? ((...a) => fetch(...a));
    this.locks = options.locks === undefined ? defaultLocks() : options.locks;
    this.channel = options.channel === undefined ? defaultChannel() : options.channel;
    this.now = options.now ?? (() => Date.now());
    this.channel?.addEventListener("message", (e) => {
      if (
        (e.data as { type?: string } | null)?.type === "signed_out" &&
        this.state.status === "signed_in"
      ) {
        this.access = null;
        this.setState({ status: "signed_out", notice: "You signed out in another tab." });
      }
    });
  }

  getState = (): AuthState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Resumes a stored session, if any. */
  async start(): Promise<void> {
    const stored = await this.store.get().catch(() => null);
    if (!stored) {
      this.setState({ status: "signed_out", notice: null });
      return;
    }
    try {
      await this.refresh();
    } catch (err) {
      // Offline at start: nothing to show without the server yet.
      this.setState({ status: "signed_out", notice: describeError(err) });
    }
  }

  async login(email: string, password: string): Promise<void> {
    const res = await this.rawPost("/api/auth/login", { email, password });
    if (!res.ok) throw await errorFromResponse(res);
    await this.accept((await res.json()) as TokenResponse);
  }

  /** Stores the token pair a password change returns (the old session was ended). */
  async acceptNewSession(tokens: TokenResponse): Promise<void> {
    await this.withLock(() => this.accept(tokens));
  }

  /** Signs out this session (or every session of the user); local state is cleared regardless. */
  async logout(allSessions: boolean): Promise<void> {
    const token = this.access?.token ?? (await this.accessToken().catch(() => null));
    try {
      if (token) {
        await this.rawPost("/api/auth/logout", { all_sessions: allSessions }, token);
      }
    } finally {
      await this.signOut(null);
      this.channel?.postMessage({ type: "signed_out" });
    }
  }

  async accessToken(): Promise<string | null> {
    if (this.access && this.access.expiresAt - EARLY_MS > this.now()) return this.access.token;
    if (this.state.status === "signed_out") return null;
    return this.refresh();
  }

  async refreshAfterRejection(rejected: string): Promise<string | null> {
    if (this.access && this.access.token !== rejected) return this.access.token;
    this.access = null;
    return this.refresh();
  }

  ended(reason: ApiError): void {
    void this.signOut(describeError(reason));
  }

  /** One refresh per tab at a time; one per origin at a time through the Web Lock. */
  refresh(): Promise<string | null> {
    this.inflight ??= this.withLock(() => this.refreshLocked()).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refreshLocked(): Promise<string | null> {
    const stored = await this.store.get();
    if (!stored) {
      await this.signOut(this.state.status === "signed_in" ? "You were signed out." : null);
      return null;
    }
    let res: Response;
    try {
      res = await this.rawPost("/api/auth/refresh", { refresh_token: stored });
    } catch {
      throw new ApiError(0, NETWORK_ERROR, "the server cannot be reached");
    }
    if (res.ok) {
      await this.accept((await res.json()) as TokenResponse);
      return this.access?.token ?? null;
    }
    const err = await errorFromResponse(res);
    if (res.status === 401 || res.status === 400 || res.status === 422) {
      await this.signOut(describeError(err));
      return null;
    }
    throw err;
  }

  private async accept(tokens: TokenResponse): Promise<void> {
    await this.store.set(tokens.refresh_token);
    this.access = {
      token: tokens.access_token,
      expiresAt: this.now() + tokens.expires_in * 1000,
    };
    this.setState({ status: "signed_in", mustChangePassword: tokens.must_change_password });
  }

  private async signOut(notice: string | null): Promise<void> {
    this.access = null;
    await this.store.clear().catch(() => undefined);
    this.setState({ status: "signed_out", notice });
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.locks ? this.locks.request(REFRESH_LOCK, fn) : fn();
  }

  private rawPost(path: string, body: unknown, token?: string): Promise<Response> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (token) headers.authorization = `Bearer ${token}`;
    return this.fetchFn(path, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    }).catch(() => {
      throw new ApiError(0, NETWORK_ERROR, "the server cannot be reached");
    });
  }

  private setState(next: AuthState): void {
    this.state = next;
    for (const l of this.listeners) l();
  }
}

function defaultChannel(): ChannelLike | null {
  return typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(AUTH_CHANNEL);
}

function defaultLocks(): LockManagerLike | null {
  if (typeof navigator === "undefined" || !navigator.locks) return null;
  const locks = navigator.locks;
  return { request: (name, cb) => locks.request(name, cb) };
}
