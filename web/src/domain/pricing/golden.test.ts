/**
 * The browser's pricing engine against the server's golden vectors: every case of every file
 * in crates/chainsync-domain/testdata/pricing (format in its README). A disagreement here means
 * the till would show a total the server computes differently.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { priceCart } from "./engine";
import { type Cart, PricingError, type PricingContext } from "./types";

/** The repository's vector folder, found from the working directory (web/ or the repo root). */
function vectors(): string {
  for (let d = process.cwd(); d !== dirname(d); d = dirname(d)) {
    const candidate = join(d, "crates/chainsync-domain/testdata/pricing/");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("crates/chainsync-domain/testdata/pricing not found above " + process.cwd());
}
const dir = vectors();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** RFC 7386 JSON merge patch. */
function merge(base: Json, patch: Json): Json {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: { [k: string]: Json } =
    typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k] ?? null, v);
  }
  return out;
}

/** Every field written in `expected` equals `actual`; arrays match length and element-wise. */
function partial(actual: unknown, expected: unknown, path: string, diffs: string[]) {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      diffs.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      return;
    }
    expected.forEach((e, i) => partial(actual[i], e, `${path}[${i}]`, diffs));
  } else if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null) {
      diffs.push(`${path}: expected an object, got ${JSON.stringify(actual)}`);
      return;
    }
    for (const [k, v] of Object.entries(expected))
      partial((actual as Record<string, unknown>)[k], v, `${path}.${k}`, diffs);
  } else if (actual !== expected) {
    diffs.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

describe("pricing golden vectors", () => {
  it("finds the vector files", () => expect(files.length).toBeGreaterThanOrEqual(10));
  for (const file of files) {
    const doc = JSON.parse(readFileSync(dir + file, "utf8")) as {
      context: Json;
      cases: {
        name: string;
        context?: Json;
        cart: Cart;
        expected: { priced?: Json; error?: { code: string; field?: string } };
      }[];
    };
    describe(file, () => {
      for (const c of doc.cases) {
        it(c.name, () => {
          const ctx = merge(doc.context, c.context ?? {}) as unknown as PricingContext;
          let result: unknown;
          let error: PricingError | null = null;
          try {
            result = priceCart(c.cart, ctx);
          } catch (e) {
            if (!(e instanceof PricingError)) throw e;
            error = e;
          }
          if (c.expected.error) {
            expect(error, `expected a refusal, got ${JSON.stringify(result)}`).not.toBeNull();
            expect({ code: error!.code, field: error!.field }).toEqual({
              code: c.expected.error.code,
              field: c.expected.error.field ?? null,
            });
          } else {
            expect(error?.message ?? null).toBeNull();
            const diffs: string[] = [];
            partial(result, c.expected.priced, "priced", diffs);
            expect(diffs).toEqual([]);
          }
        });
      }
    });
  }
});
