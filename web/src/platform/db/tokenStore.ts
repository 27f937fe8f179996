/**
 * Where the refresh token survives a reload: IndexedDB (see docs/authentication.md, "Where the
 * web app keeps its tokens"). The access token is never stored; it lives in memory only.
 */

export interface TokenStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  clear(): Promise<void>;
}

const DB_NAME = "chainsync";
const STORE = "auth";
const KEY = "refresh_token";

function open(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function run<T>(
  db: IDBDatabase,
  mode: IDBTransactionMode,
  op: (s: IDBObjectStore) => IDBRequest,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = op(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** The refresh token in IndexedDB (one per browser profile and origin). */
export function indexedDbTokenStore(factory: IDBFactory = indexedDB): TokenStore {
  let db: Promise<IDBDatabase> | null = null;
  const conn = () => (db ??= open(factory));
  return {
    async get() {
      const v = await run<unknown>(await conn(), "readonly", (s) => s.get(KEY));
      return typeof v === "string" ? v : null;
    },
    async set(token) {
      await run(await conn(), "readwrite", (s) => s.put(token, KEY));
    },
    async clear() {
      await run(await conn(), "readwrite", (s) => s.delete(KEY));
    },
  };
}

/** For tests, and for browsers where IndexedDB is unavailable (private modes). */
export function memoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial;
  return {
    get: async () => token,
    set: async (t) => {
      token = t;
    },
    clear: async () => {
      token = null;
    },
  };
}
