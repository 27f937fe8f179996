import { describe, expect, it } from "vitest";
import { createBody, patchBody, percentToBp, ratesOf, valuesOf } from "./storeForm";
import type { Store } from "./types";

const store: Store = {
  id: "s1",
  code: "BER",
  name: "Berlin",
  address: "Alexanderplatz 1",
  city: "Berlin",
  country: "DE",
  tax_id: null,
  currency: "EUR",
  timezone: "Europe/Berlin",
  tax_rates: { standard: 1900, reduced: 700 },
  tax_inclusive: true,
  refund_approval_minor: 5000,
  active: true,
  created_at: "",
  updated_at: "",
};

describe("store form", () => {
  it("reads percentages as basis points", () => {
    expect(percentToBp("19")).toBe(1900);
    expect(percentToBp("5,5 %")).toBe(550);
    expect(percentToBp("7.25")).toBe(725);
    expect(percentToBp("abc")).toBeNaN();
  });

  it("refuses duplicate or unnamed tax classes before asking the server", () => {
    expect(
      ratesOf([
        { cls: "standard", percent: "19" },
        { cls: "standard", percent: "7" },
      ]).ok,
    ).toBe(false);
    expect(ratesOf([{ cls: "", percent: "19" }]).ok).toBe(false);
    expect(ratesOf([{ cls: "", percent: "" }])).toEqual({ ok: true, rates: {} });
  });

  it("sends only changed fields, and clears emptied optional text with null", () => {
    const v = { ...valuesOf(store), name: "Berlin Mitte", address: "" };
    const rates = ratesOf(v.tax_rates);
    if (!rates.ok) throw new Error("rates");
    expect(patchBody(store, v, rates.rates)).toEqual({ name: "Berlin Mitte", address: null });
  });

  it("sends the refund approval threshold in minor units", () => {
    const v = { ...valuesOf(store), refund_approval_minor: "0" };
    expect(valuesOf(store).refund_approval_minor).toBe("50.00");
    expect(patchBody(store, v, { standard: 1900, reduced: 700 })).toEqual({
      refund_approval_minor: 0,
    });
    expect(createBody({ ...v, refund_approval_minor: "abc" }, {}).refund_approval_minor).toBe(-1);
  });

  it("upper-cases country and currency codes", () => {
    const v = { ...valuesOf(store), country: "fr", currency: "eur" };
    expect(createBody(v, {})).toMatchObject({ country: "FR", currency: "EUR" });
  });
});
