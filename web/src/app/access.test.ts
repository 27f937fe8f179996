import { describe, expect, it } from "vitest";
import type { Me } from "../features/auth/types";
import { accessOf, homeFor, mayOpen, navFor } from "./access";

function me(isAdmin: boolean, roles: ("manager" | "cashier")[]): Me {
  return {
    user: {
      id: "u",
      email: "x@example.com",
      display_name: "X",
      active: true,
      is_org_admin: isAdmin,
      must_change_password: false,
      memberships: [],
      created_at: "",
      updated_at: "",
    },
    organisation: { id: "o", name: "Org", currency: "EUR", locale: "en-GB" },
    memberships: roles.map((role, i) => ({
      store_id: `s${i}`,
      store_code: `S${i}`,
      store_name: `Store ${i}`,
      role,
    })),
  };
}

describe("navigation by role", () => {
  it("shows an admin everything", () => {
    const a = accessOf(me(true, []));
    expect(navFor(a).map((i) => i.to)).toEqual([
      "/dashboard",
      "/pos",
      "/products",
      "/stock",
      "/forecasts",
      "/customers",
      "/stores",
      "/staff",
      "/audit",
      "/account",
    ]);
    expect(mayOpen(a, "/products/new")).toBe(true);
    expect(homeFor(a)).toBe("/stores");
  });

  it("shows a manager their stores and staff, not the audit log", () => {
    const a = accessOf(me(false, ["manager", "cashier"]));
    expect(navFor(a).map((i) => i.to)).toEqual([
      "/dashboard",
      "/pos",
      "/products",
      "/stock",
      "/forecasts",
      "/customers",
      "/stores",
      "/staff",
      "/account",
    ]);
    expect(mayOpen(a, "/forecasts")).toBe(true);
    expect(mayOpen(a, "/forecasts/models")).toBe(true);
    expect(mayOpen(a, "/forecasts/training")).toBe(true);
    expect(mayOpen(a, "/products")).toBe(true);
    expect(mayOpen(a, "/products/new")).toBe(false);
    expect(mayOpen(a, "/stock")).toBe(true);
    expect(mayOpen(a, "/audit")).toBe(false);
    expect(mayOpen(a, "/stores/new")).toBe(false);
    expect(mayOpen(a, "/staff/new")).toBe(true);
  });

  it("keeps a cashier out of the back office", () => {
    const a = accessOf(me(false, ["cashier"]));
    expect(navFor(a).map((i) => i.to)).toEqual(["/pos", "/my-store", "/account"]);
    expect(homeFor(a)).toBe("/pos");
    for (const p of [
      "/stores",
      "/stores/new",
      "/stores/abc",
      "/staff",
      "/staff/abc",
      "/audit",
      "/products",
      "/products/new",
      "/products/abc",
      "/stock",
      "/stock/abc",
      "/dashboard",
      "/customers",
      "/forecasts",
      "/forecasts/models",
      "/forecasts/training",
    ]) {
      expect(mayOpen(a, p)).toBe(false);
    }
    expect(mayOpen(a, "/account")).toBe(true);
    expect(mayOpen(a, "/pos")).toBe(true);
  });

  it("gives someone without a store and not admin no till", () => {
    const a = accessOf(me(false, []));
    expect(mayOpen(a, "/pos")).toBe(false);
    expect(homeFor(a)).toBe("/my-store");
  });
});
