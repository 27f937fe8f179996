import { describe, expect, it } from "vitest";
import { ApiError, describeError, errorFromResponse, formFieldOf, splitError } from "./errors";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("errorFromResponse", () => {
  it("reads code, message, field, request id and Retry-After", async () => {
    const err = await errorFromResponse(
      json(
        429,
        { error: { code: "too_many_attempts", message: "slow down", field: null } },
        { "x-request-id": "req-1", "retry-after": "120" },
      ),
    );
    expect(err.status).toBe(429);
    expect(err.code).toBe("too_many_attempts");
    expect(err.requestId).toBe("req-1");
    expect(err.retryAfterSecs).toBe(120);
    expect(describeError(err)).toBe("Too many failed sign-ins. Try again in 2 minutes.");
  });

  it("turns a body that is not an error body into a generic error with the status", async () => {
    const err = await errorFromResponse(new Response("<html>bad gateway</html>", { status: 502 }));
    expect(err.code).toBe("internal_error");
    expect(err.status).toBe(502);
  });
});

describe("field mapping", () => {
  it("maps nested JSON paths to the form field", () => {
    expect(formFieldOf("tax_rates.standard")).toBe("tax_rates");
    expect(formFieldOf("memberships[0].store_id")).toBe("memberships");
    expect(formFieldOf("email")).toBe("email");
    expect(formFieldOf(null)).toBeNull();
  });

  it("puts a field error under its field when the form has it", () => {
    const err = new ApiError(409, "store_code_taken", "taken", "code");
    expect(splitError(err, ["code", "name"])).toEqual({
      fields: { code: "Another store already has this code. Choose a different one." },
      form: null,
    });
  });

  it("puts an error for a field the form lacks on the whole form", () => {
    const err = new ApiError(422, "invalid_field", "expected a string", "surprise");
    expect(splitError(err, ["code"])).toEqual({ fields: {}, form: "Expected a string." });
  });
});
