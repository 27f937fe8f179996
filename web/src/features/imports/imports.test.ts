import { describe, expect, it } from "vitest";
import { ApiError } from "../../platform/net/errors";
import { checkFile, rejectedOutcome, summaryText } from "./imports";

describe("CSV imports", () => {
  it("refuses files the server would refuse, saying what to do", () => {
    expect(checkFile({ name: "a.csv", size: 17 * 1024 * 1024 })).toMatch(
      /17\.0 MiB.*at most 16 MiB.*Split/,
    );
    expect(checkFile({ name: "a.csv", size: 0 })).toMatch(/empty/);
    expect(checkFile({ name: "a.xlsx", size: 10 })).toMatch(/CSV UTF-8/);
    expect(checkFile({ name: "a.CSV", size: 10 })).toBeNull();
  });

  it("reads the row errors of a rejected file", () => {
    const err = new ApiError(422, "invalid_rows", "1 problems in the file; nothing was written");
    err.body = {
      error: { code: "invalid_rows", message: "", field: null },
      kind: "products",
      dry_run: true,
      applied: false,
      summary: {
        rows: 2,
        created: 1,
        updated: 0,
        unchanged: 0,
        categories_created: 0,
        sale_lines: 0,
      },
      errors: [
        { row: 3, column: "price", code: "invalid_amount", message: "'x' is not an amount" },
      ],
    };
    expect(rejectedOutcome(err)?.errors).toEqual([
      { row: 3, column: "price", code: "invalid_amount", message: "'x' is not an amount" },
    ]);
    expect(
      rejectedOutcome(new ApiError(422, "missing_column", "name is missing", "name")),
    ).toBeNull();
  });

  it("says what a dry run would do and what an import did", () => {
    const o = {
      kind: "products" as const,
      dry_run: true,
      applied: false,
      summary: {
        rows: 3,
        created: 2,
        updated: 1,
        unchanged: 0,
        categories_created: 1,
        sale_lines: 0,
      },
      errors: [],
    };
    expect(summaryText(o)).toBe(
      "3 rows read, 2 to be created, 1 to be updated, 0 unchanged, 1 new category",
    );
    expect(summaryText({ ...o, dry_run: false, applied: true })).toBe(
      "3 rows read, 2 created, 1 updated, 0 unchanged, 1 new category",
    );
  });
});
