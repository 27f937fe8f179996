import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { indexedDbTokenStore } from "./tokenStore";

describe("indexedDbTokenStore", () => {
  it("keeps the refresh token across store instances (a reload) and forgets it on clear", async () => {
    const factory = new IDBFactory();
    const first = indexedDbTokenStore(factory);
    expect(await first.get()).toBeNull();
    await first.set("r1");
    const afterReload = indexedDbTokenStore(factory);
    expect(await afterReload.get()).toBe("r1");
    await afterReload.clear();
    expect(await indexedDbTokenStore(factory).get()).toBeNull();
  });
});
