import { describe, expect, it } from "vitest";
import { formatStock, parseStock } from "./quantity";

describe("stock quantities", () => {
  it("shows pieces and kilograms", () => {
    expect(formatStock(12, "each", "en-GB")).toBe("12");
    expect(formatStock(1250, "weighed", "en-GB")).toBe("1.250 kg");
    expect(formatStock(-3, "each", "de-DE")).toBe("-3");
  });
  it("reads signed and unsigned quantities in the unit", () => {
    expect(parseStock("-3", "each", true)).toBe(-3);
    expect(parseStock("+4", "each", true)).toBe(4);
    expect(parseStock("-3", "each", false)).toBeNull();
    expect(parseStock("1.5", "each", true)).toBeNull();
    expect(parseStock("1,5", "weighed", false)).toBe(1500);
    expect(parseStock("-0.25", "weighed", true)).toBe(-250);
    expect(parseStock("x", "each", true)).toBeNull();
  });
});
