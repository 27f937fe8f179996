import { describe, expect, it } from "vitest";
import { actionLabel, localInputToRfc3339, summarizeDetails } from "./describe";

describe("audit entries in words", () => {
  it("names known actions and keeps unknown ones as they are", () => {
    expect(actionLabel("user.created")).toBe("Created a user");
    expect(actionLabel("sale.completed")).toBe("sale.completed");
  });

  it("shows field changes as from → to", () => {
    expect(
      summarizeDetails({
        changes: {
          name: { from: "Berlin", to: "Berlin Mitte" },
          city: { from: null, to: "Berlin" },
        },
      }),
    ).toBe("name: Berlin → Berlin Mitte; city: — → Berlin");
  });

  it("names stores in store roles", () => {
    const name = (kind: string, id: string) =>
      kind === "store" && id === "s1" ? "Berlin (BER)" : undefined;
    expect(
      summarizeDetails(
        { email: "a@b.c", memberships: [{ store_id: "s1", role: "cashier" }] },
        name,
      ),
    ).toBe("email: a@b.c; memberships: cashier at Berlin (BER)");
    expect(summarizeDetails({ store_id: "s2", role: "manager", previous_role: null }, name)).toBe(
      "store id: s2; role: manager",
    );
  });

  it("lists plain details and leaves out empty ones", () => {
    expect(summarizeDetails({ reason: "wrong_password", memberships: [] })).toBe(
      "reason: wrong_password",
    );
  });

  it("turns a local date-time into UTC RFC 3339", () => {
    expect(localInputToRfc3339("")).toBeUndefined();
    expect(localInputToRfc3339("2026-01-02T03:04")).toMatch(/^2026-01-0[12]T\d\d:04:00\.000Z$/);
  });
});
