import { describe, expect, it } from "vitest";
import {
  cashIncrement,
  currencyDigits,
  formatMoney,
  parseMoney,
  roundCash,
  toDecimalString,
} from "./money";

describe("money", () => {
  it("takes the exponent from the currency", () => {
    expect(currencyDigits("EUR")).toBe(2);
    expect(currencyDigits("JPY")).toBe(0);
    expect(currencyDigits("KWD")).toBe(3);
  });

  it("formats minor units in the locale", () => {
    expect(formatMoney(1250, "EUR", "en-GB")).toBe("€12.50");
    expect(formatMoney(1250, "EUR", "de-DE")).toBe("12,50\u00a0€");
    expect(formatMoney(1250, "JPY", "en-GB")).toBe("JP¥1,250");
  });

  it("parses what a cashier types, with either decimal mark", () => {
    expect(parseMoney("12.5", "EUR")).toBe(1250);
    expect(parseMoney("12,50", "EUR")).toBe(1250);
    expect(parseMoney("20", "EUR")).toBe(2000);
    expect(parseMoney("0.05", "EUR")).toBe(5);
    expect(parseMoney("1250", "JPY")).toBe(1250);
  });

  it("refuses what is not an amount", () => {
    expect(parseMoney("", "EUR")).toBeNull();
    expect(parseMoney("abc", "EUR")).toBeNull();
    expect(parseMoney("-5", "EUR")).toBeNull();
    expect(parseMoney("1.234", "EUR")).toBeNull();
    expect(parseMoney("1.5", "JPY")).toBeNull();
    expect(parseMoney("1,000.00", "EUR")).toBeNull();
  });

  it("writes an input's decimal value", () => {
    expect(toDecimalString(1250, "EUR")).toBe("12.50");
    expect(toDecimalString(5, "EUR")).toBe("0.05");
    expect(toDecimalString(1250, "JPY")).toBe("1250");
  });

  it("rounds cash to the store's step, halves away from zero", () => {
    expect(cashIncrement("CHF")).toBe(5);
    expect(cashIncrement("EUR")).toBe(1);
    expect(roundCash(1002, 5)).toBe(1000);
    expect(roundCash(1003, 5)).toBe(1005);
    expect(roundCash(1248, 5)).toBe(1250);
    expect(roundCash(1005, 10)).toBe(1010);
    expect(roundCash(1234, 1)).toBe(1234);
  });
});
