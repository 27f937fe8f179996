/**
 * API errors as the app shows them. Every error body is
 * `{"error": {"code", "message", "field"}}` (docs/api-errors.md); this module turns one into a
 * message a person can act on, attached to the form field at fault when there is one.
 */

export interface ErrorBody {
  error: { code: string; message: string; field: string | null };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The JSON path of the input at fault (`email`, `tax_rates.standard`), or null. */
  readonly field: string | null;
  readonly requestId: string | null;
  readonly retryAfterSecs: number | null;
  /** The whole error body, for answers that carry more than the error (an import's row errors). */
  body: unknown = null;

  constructor(
    status: number,
    code: string,
    message: string,
    field: string | null = null,
    requestId: string | null = null,
    retryAfterSecs: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.retryAfterSecs = retryAfterSecs;
  }
}

/** The server could not be reached at all (offline, DNS, server down). */
export const NETWORK_ERROR = "network_error";

/** Builds an ApiError from a response that is not OK, whatever its body. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const requestId = res.headers.get("x-request-id");
  const retry = Number(res.headers.get("retry-after"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (isErrorBody(body)) {
    const { code, message, field } = body.error;
    const err = new ApiError(res.status, code, message, field ?? null, requestId, retryAfter);
    err.body = body;
    return err;
  }
  return new ApiError(
    res.status,
    res.status >= 500 ? "internal_error" : "unexpected_response",
    `the server answered ${res.status}`,
    null,
    requestId,
    retryAfter,
  );
}

function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== "object" || v === null) return false;
  const e = (v as { error?: unknown }).error;
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string";
}

/** Messages that say what to do, for codes whose server message is not enough on its own. */
const ADVICE: Record<string, string> = {
  [NETWORK_ERROR]: "Cannot reach the ChainSync server. Check the connection and try again.",
  invalid_credentials: "The email or password is incorrect.",
  too_many_attempts: "Too many failed sign-ins. Wait a while before trying again.",
  session_ended: "Your session has ended. Sign in again.",
  invalid_refresh_token: "Your session has ended. Sign in again.",
  forbidden: "Your role does not allow this. Ask an admin if you need it.",
  password_change_required: "Choose your own password before you continue.",
  not_found: "This no longer exists. It may have been removed by someone else.",
  email_taken: "Another account already uses this email.",
  store_code_taken: "Another store already has this code. Choose a different one.",
  cannot_change_self: "You cannot do this to your own account.",
  last_admin: "The organisation must keep at least one active admin.",
  wrong_password: "The current password is incorrect.",
  password_too_short: "Use at least 10 characters (a passphrase of a few words is best).",
  password_too_long: "Use at most 256 characters.",
  password_too_weak:
    "This password is too easy to guess: do not use your email or one repeated character.",
  password_unchanged: "Choose a password different from the current one.",
  invalid_store_code: "Use 1 to 16 capital letters, digits or hyphens (e.g. BER-01).",
  invalid_country: "Use a two-letter ISO country code, e.g. DE, FR, NL.",
  invalid_currency: "Use a three-letter ISO currency code, e.g. EUR.",
  invalid_timezone: "Use an IANA time zone, e.g. Europe/Berlin.",
  invalid_tax_rate: "Tax rates are between 0 % and 100 %.",
  invalid_tax_class: "Tax class names use a-z, 0-9 and _ (1 to 32 characters).",
  too_many_tax_classes: "A store can have at most 16 tax classes.",
  invalid_email: "Enter an email address like name@example.com.",
  required: "This cannot be empty.",
  membership_required: "Give the new person a cashier role in one of your stores.",
  duplicate_store: "Each store may appear only once.",
  unknown_store: "That store is not in your organisation.",
  sku_taken: "Another product already has this SKU. Choose a different one.",
  invalid_sku: "Use 1 to 64 letters, digits, dots, dashes, slashes or underscores (e.g. DAI01AL).",
  invalid_barcode:
    "This barcode is not valid: check the digits (EAN/UPC codes carry a check digit) or use letters, digits and dashes only.",
  duplicate_barcode: "The same barcode appears twice: remove one.",
  too_many_barcodes: "A product has at most 20 barcodes.",
  unknown_category: "That category no longer exists. Choose another.",
  unknown_supplier: "That supplier no longer exists. Choose another.",
  unknown_tax_class:
    "Not every store has a rate for this tax class: add the rate to the stores first, or choose another class.",
  invalid_adjustment:
    "This reason does not fit the direction: damaged, expired, theft and internal use remove stock; found adds; correction does either.",
  invalid_levels: "The minimum cannot be above the maximum.",
  invalid_quantity: "Type a whole number other than zero (negative to remove stock).",
  count_in_future: "A count cannot be dated in the future.",
  duplicate_product: "Each product may be counted once per count.",
  discount_exceeds_line: "The discount is larger than the line: lower it.",
  discount_exceeds_cart: "The cart discount is larger than the sale: lower it.",
  invalid_discount: "Discounts are between 0 % and 100 %.",
  insufficient_cash: "Not enough cash for what is due.",
  missing_reference: "Type the approval code printed by the card terminal.",
  payments_exceed_total: "Card payments cannot be more than the total; only cash gives change.",
  payments_do_not_sum_to_total: "The payments do not add up to the total.",
  approval_required: "A manager must approve this: their email and PIN (or password).",
  approval_failed:
    "The manager's email or PIN (or password) is not right. Check them and try again.",
  approval_locked:
    "Too many wrong approvals for this manager. Wait a few minutes, or ask another manager.",
  terminal_code_taken: "Another till already has this code. Choose a different one, e.g. BER-T3.",
  unknown_terminal: "This till is not registered in this store any more: choose a till again.",
  invalid_date: "Type the date as YYYY-MM-DD.",
  invalid_period: "The end date is before the start date: swap them.",
  period_too_long: "A report covers at most 1,100 days: choose a shorter period.",
  invalid_granularity: "Choose day, week or month.",
  invalid_rows: "Some rows of the file are not right: see the table below. Nothing was written.",
  payload_too_large:
    "The file is too large: at most 16 MiB and 100,000 rows. Split it into smaller files and import each.",
  too_many_rows:
    "The file has more than 100,000 rows. Split it into smaller files and import each one.",
  empty_file: "The file is empty: export it again with a header row and at least one row.",
  invalid_encoding:
    'The file is not UTF-8. In Excel, save it as "CSV UTF-8"; in other programs choose the UTF-8 encoding.',
  malformed_csv: "The file is not a valid CSV (check the quotes around cells).",
  missing_store: "Choose the store the counts are for, or add a store column with store codes.",
  unsupported_media_type: "Choose a CSV file (.csv).",
  invalid_pin: "A PIN is 4 to 8 digits.",
  no_active_model: "No forecast yet: train the store's models.",
  job_running:
    "Training is already running for this store: wait for it to finish, its progress is shown on the Training tab.",
  nothing_to_roll_back: "There is no earlier version to go back to.",
  internal_error:
    "Something went wrong on the server. Try again; if it persists, quote the reference below to support.",
};

/** A sentence for people: what went wrong and what to do. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "too_many_attempts" && err.retryAfterSecs) {
      const minutes = Math.ceil(err.retryAfterSecs / 60);
      return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    const advice = ADVICE[err.code];
    if (advice) return advice;
    const msg = err.message.trim();
    return msg
      ? msg.charAt(0).toUpperCase() + msg.slice(1) + (/[.!?]$/.test(msg) ? "" : ".")
      : "Something went wrong.";
  }
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

/**
 * The form field an API `field` path belongs to: its first segment (`tax_rates.standard` and
 * `tax_rates` → `tax_rates`; `memberships[0].store_id` → `memberships`).
 */
export function formFieldOf(path: string | null): string | null {
  if (!path) return null;
  const m = /^[^.[]+/.exec(path);
  return m ? m[0] : null;
}

/**
 * Splits an error into a message under the field at fault (when the form has that field) and a
 * message for the whole form (otherwise).
 */
export function splitError(
  err: unknown,
  fields: readonly string[],
): { fields: Record<string, string>; form: string | null } {
  const message = describeError(err);
  if (err instanceof ApiError) {
    const key = formFieldOf(err.field);
    if (key && fields.includes(key)) {
      return { fields: { [key]: message }, form: null };
    }
  }
  return { fields: {}, form: message };
}
