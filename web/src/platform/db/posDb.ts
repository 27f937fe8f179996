/**
 * The till's local database (IndexedDB `chainsync-pos`), separate from the auth database so
 * the two never need a joint upgrade. Object stores:
 *
 * - `products`   the catalog cache, one record per product (key `id`), as the API shows it;
 * - `overrides`  store price overrides (key `[store_id, product_id]`);
 * - `meta`       small keyed values: when the catalog was last synced, per store;
 * - `terminals`  which till this browser is, per store (key `store_id`): id, code, next seq;
 * - `outbox`     sales made here and not yet confirmed by the server (key `id`, the mutation
 *                id), with their `seq`: sent in seq order, removed only once answered;
 * - `parked`     carts set aside to serve the next customer (key `id`).
 *
 * Everything here is a platform adapter: features take a {@link PosDb} so tests run on
 * fake-indexeddb with the same code.
 */

export const POS_DB_NAME = "chainsync-pos";
const VERSION = 1;

export type StoreName = "products" | "overrides" | "meta" | "terminals" | "outbox" | "parked";

export interface PosDb {
  readonly db: IDBDatabase;
}

export function openPosDb(factory: IDBFactory = indexedDB, name = POS_DB_NAME): Promise<PosDb> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("products", { keyPath: "id" });
      db.createObjectStore("overrides", { keyPath: ["store_id", "product_id"] });
      db.createObjectStore("meta");
      db.createObjectStore("terminals", { keyPath: "store_id" });
      const outbox = db.createObjectStore("outbox", { keyPath: "id" });
      outbox.createIndex("by_terminal_seq", ["terminal_id", "seq"], { unique: true });
      db.createObjectStore("parked", { keyPath: "id" });
    };
    req.onsuccess = () => resolve({ db: req.result });
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the till's database is open in an older tab"));
  });
}

function promised<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Runs `work` in one transaction over `stores` and resolves with its result once the
 * transaction has committed (so a resolved write is durable), or rejects if it aborted.
 */
export function transact<T>(
  pos: PosDb,
  stores: StoreName[],
  mode: IDBTransactionMode,
  work: (tx: IDBTransaction) => Promise<T> | T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = pos.db.transaction(stores, mode);
    let result: T;
    let failed: unknown = null;
    tx.oncomplete = () => (failed ? reject(failed) : resolve(result));
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(failed ?? tx.error ?? new Error("transaction aborted"));
    let started: Promise<T>;
    try {
      // Called synchronously: the transaction is active now, and stays active across the
      // microtasks that follow each of its requests' callbacks.
      started = Promise.resolve(work(tx));
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(
      (r) => {
        result = r;
      },
      (e: unknown) => {
        failed = e;
        try {
          tx.abort();
        } catch {
          /* already finished */
        }
      },
    );
  });
}

export function getAll<T>(pos: PosDb, store: StoreName): Promise<T[]> {
  return transact(pos, [store], "readonly", (tx) =>
    promised(tx.objectStore(store).getAll() as IDBRequest<T[]>),
  );
}

export function getOne<T>(pos: PosDb, store: StoreName, key: IDBValidKey): Promise<T | undefined> {
  return transact(pos, [store], "readonly", (tx) =>
    promised(tx.objectStore(store).get(key) as IDBRequest<T | undefined>),
  );
}

export function putOne(pos: PosDb, store: StoreName, value: unknown, key?: IDBValidKey) {
  return transact(pos, [store], "readwrite", (tx) => {
    tx.objectStore(store).put(value, key);
  });
}

export function deleteOne(pos: PosDb, store: StoreName, key: IDBValidKey) {
  return transact(pos, [store], "readwrite", (tx) => {
    tx.objectStore(store).delete(key);
  });
}

export { promised };
