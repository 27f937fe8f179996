import { describe, expect, it } from "vitest";
import { addDays, bucketLabel, daysIn, presetRange, suggestedGranularity, todayIn } from "./period";

describe("report periods", () => {
  it("takes today on the store's clock, not the browser's", () => {
    // 23:30 UTC on Sunday 8 March 2026 is already Monday in Berlin, still Sunday in New York.
    const now = new Date("2026-03-08T23:30:00Z");
    expect(todayIn("Europe/Berlin", now)).toBe("2026-03-09");
    expect(todayIn("America/New_York", now)).toBe("2026-03-08");
  });

  it("counts days across month and year ends", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(daysIn("2026-03-01", "2026-03-31")).toBe(31);
  });

  it("gives presets as calendar dates ending today", () => {
    expect(presetRange("7d", "2026-03-09")).toEqual({ from: "2026-03-03", to: "2026-03-09" });
    expect(presetRange("30d", "2026-03-09")).toEqual({ from: "2026-02-08", to: "2026-03-09" });
    expect(presetRange("this-month", "2026-03-09")).toEqual({
      from: "2026-03-01",
      to: "2026-03-09",
    });
    expect(presetRange("last-month", "2026-03-09")).toEqual({
      from: "2026-02-01",
      to: "2026-02-28",
    });
    expect(presetRange("last-month", "2026-01-15")).toEqual({
      from: "2025-12-01",
      to: "2025-12-31",
    });
    expect(presetRange("this-year", "2026-03-09")).toEqual({
      from: "2026-01-01",
      to: "2026-03-09",
    });
  });

  it("suggests buckets that keep a chart readable", () => {
    expect(suggestedGranularity("2026-03-01", "2026-03-31")).toBe("day");
    expect(suggestedGranularity("2026-01-01", "2026-06-30")).toBe("week");
    expect(suggestedGranularity("2024-01-01", "2026-06-30")).toBe("month");
  });

  it("labels days, ISO weeks with their days, and months", () => {
    expect(
      bucketLabel({ label: "2026-03-09", from: "2026-03-09", to: "2026-03-09" }, "day", "en-GB"),
    ).toBe("9 Mar");
    expect(
      bucketLabel({ label: "2026-W11", from: "2026-03-09", to: "2026-03-15" }, "week", "en-GB"),
    ).toBe("W11 · 9 Mar – 15 Mar");
    expect(
      bucketLabel({ label: "2026-03", from: "2026-03-01", to: "2026-03-31" }, "month", "en-GB"),
    ).toBe("Mar 2026");
  });
});
