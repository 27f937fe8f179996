import { describe, expect, it } from "vitest";
import { lineRefund } from "./refund";

const line = {
  line_no: 1,
  product_id: "p",
  quantity_sold: 3,
  quantity_returnable: 3,
  paid_minor: 1000,
  refundable_minor: 1000,
};

describe("refunds by receipt", () => {
  it("gives back a pro-rata share, and the exact rest with the last unit", () => {
    expect(lineRefund(line, 1)).toBe(333);
    expect(lineRefund(line, 2)).toBe(667);
    expect(lineRefund(line, 3)).toBe(1000);
    // One unit already returned for 333: the last two bring back exactly what is left.
    expect(lineRefund({ ...line, quantity_returnable: 2, refundable_minor: 667 }, 2)).toBe(667);
    expect(lineRefund({ ...line, quantity_returnable: 2, refundable_minor: 667 }, 1)).toBe(333);
  });
  it("never refunds more than is left on the line", () => {
    expect(lineRefund({ ...line, quantity_returnable: 2, refundable_minor: 300 }, 1)).toBe(300);
    expect(lineRefund(line, 0)).toBe(0);
  });
});
