import { describe, expect, it } from "vitest";
import { formatDateTime, formatRate } from "./format";

describe("format", () => {
  it("formats dates in the organisation's locale", () => {
    const iso = "2026-03-05T14:07:00Z";
    expect(formatDateTime(iso, "en-GB")).toContain("2026");
    expect(formatDateTime(iso, "de-DE")).not.toBe(formatDateTime(iso, "en-US"));
  });

  it("falls back for an invalid locale instead of throwing", () => {
    expect(formatDateTime("2026-03-05T14:07:00Z", "not a locale!")).toContain("2026");
  });

  it("shows basis points as a percentage", () => {
    expect(formatRate(1900, "en-GB")).toBe("19%");
    expect(formatRate(550, "en-GB")).toBe("5.5%");
  });
});
