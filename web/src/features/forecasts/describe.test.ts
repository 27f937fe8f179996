import { describe, expect, it } from "vitest";
import { ApiError, NETWORK_ERROR } from "../../platform/net/errors";
import {
  accuracyPercent,
  accuracyText,
  chartData,
  forecastError,
  forecastTotal,
  jobOutcome,
  jobProgressText,
  maseMeaning,
  maseText,
  membersText,
  modelDescription,
} from "./describe";
import type { Forecast, Job } from "./types";

const job = (over: Partial<Job>): Job => ({
  id: "j",
  store_id: "s",
  trigger: "api",
  full: false,
  status: "running",
  total_series: 300,
  done_series: 120,
  failed_series: 0,
  failures: [],
  created_at: "2026-11-26T03:00:00Z",
  started_at: null,
  finished_at: null,
  requested_by: null,
  ...over,
});

describe("accuracy in words", () => {
  it("shows 1 − WAPE as a whole percentage", () => {
    expect(accuracyPercent(0.34)).toBe(66);
    expect(accuracyText({ mase: 0.8, wape: 0.344 }, "en-GB")).toBe("accuracy 66\u00a0%");
  });

  it("never shows a negative accuracy when misses exceed what was sold", () => {
    expect(accuracyPercent(1.77)).toBe(0);
  });

  it("says when there is nothing measured", () => {
    expect(accuracyPercent(null)).toBeNull();
    expect(accuracyText(null, "en-GB")).toBe("accuracy not measured");
    expect(accuracyText({ mase: null, wape: null, days: 0 }, "en-GB")).toBe(
      "accuracy not measured",
    );
  });

  it("explains a MASE against the seasonal naive rule", () => {
    expect(maseText(0.8123, "en-GB")).toBe("0.81");
    expect(maseText(null, "en-GB")).toBe("—");
    expect(maseMeaning(0.81)).toMatch(/^better/);
    expect(maseMeaning(1)).toMatch(/^as good/);
    expect(maseMeaning(1.3)).toMatch(/^worse/);
  });
});

describe("models in words", () => {
  it("names an ensemble's members, heaviest first", () => {
    const members = [
      { model: "tsb", weight: 0.48 },
      { model: "ets", weight: 0.52 },
    ];
    expect(membersText(members, "en-GB")).toBe("ETS 52\u00a0%, TSB 48\u00a0%");
    expect(modelDescription("ensemble", members, "en-GB")).toBe(
      "Ensemble (ETS 52\u00a0%, TSB 48\u00a0%)",
    );
  });

  it("shows a single model without members, and an unknown type as it is", () => {
    expect(modelDescription("seasonal-naive", null, "en-GB")).toBe("Same weekday last week");
    expect(modelDescription("lightgbm", [], "en-GB")).toBe("lightgbm");
  });
});

describe("jobs in words", () => {
  it("shows progress as done of total", () => {
    expect(jobProgressText(job({}), "en-GB")).toBe("120 of 300 products (40\u00a0%)");
  });

  it("does not divide by an unknown or empty total", () => {
    expect(jobProgressText(job({ status: "queued", total_series: null }), "en-GB")).toBe(
      "Waiting for its turn…",
    );
    expect(jobProgressText(job({ total_series: null }), "en-GB")).toBe("Counting the products…");
    expect(jobProgressText(job({ total_series: 0, done_series: 0 }), "en-GB")).toMatch(
      /^Nothing to train/,
    );
  });

  it("counts failed series out of the trained ones", () => {
    const j = job({ status: "succeeded", done_series: 300, failed_series: 2 });
    expect(jobOutcome(j, "en-GB")).toBe(
      "Training finished: 298 products trained; 2 could not be trained (listed below).",
    );
    expect(jobOutcome(job({ status: "failed" }), "en-GB")).toMatch(/^Training failed/);
    expect(jobOutcome(job({ status: "succeeded", total_series: 0, done_series: 0 }), "en-GB")).toBe(
      "Training finished: the models were already up to date.",
    );
  });
});

describe("errors of the forecast API", () => {
  it("names the query parameter that is out of range", () => {
    const e = new ApiError(400, "invalid_query", "out of range", "horizon");
    expect(forecastError(e)).toBe(
      "The forecast length (1 to 90 days) is not valid. Choose another value and try again.",
    );
  });

  it("says what to do for each conflict of the contract", () => {
    expect(forecastError(new ApiError(409, "no_active_model", "x"))).toBe(
      "No forecast yet: train the store's models.",
    );
    expect(forecastError(new ApiError(409, "job_running", "x"), "job")).toMatch(/already running/);
    expect(forecastError(new ApiError(409, "nothing_to_roll_back", "x"), "model")).toBe(
      "There is no earlier version to go back to.",
    );
  });

  it("tells apart what was not found, a refusal and no network", () => {
    expect(forecastError(new ApiError(404, "not_found", "x"))).toMatch(/^This product or store/);
    expect(forecastError(new ApiError(404, "not_found", "x"), "model")).toMatch(/model version/);
    expect(forecastError(new ApiError(403, "forbidden", "x"))).toMatch(/managers/);
    expect(forecastError(new ApiError(400, "invalid_cursor", "x"), "model")).toMatch(
      /^This page of the list is no longer valid/,
    );
    expect(forecastError(new ApiError(0, NETWORK_ERROR, "x"))).toMatch(/Cannot reach/);
  });
});

describe("chart data", () => {
  const f: Forecast = {
    store_id: "s",
    product_id: "p",
    horizon: 2,
    level: 80,
    history: [
      { date: "2026-11-24", quantity: 4 },
      { date: "2026-11-25", quantity: 2000 },
    ],
    forecast: [
      { date: "2026-11-26", mean: 3000, lo: 1000, hi: 5500 },
      { date: "2026-11-27", mean: 1000, lo: 0, hi: 2000 },
    ],
    model: {
      id: "m",
      version: 1,
      scope: "series",
      model_type: "ets",
      backtest: null,
      live: null,
      trained_at: "2026-11-26T03:00:00Z",
      data_from: null,
      data_to: null,
    },
    cached: false,
  };

  it("puts history and forecast on one axis, each null where the other is", () => {
    const d = chartData(f);
    expect(d.labels).toEqual(["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]);
    expect(d.history).toEqual([4, 2000, null, null]);
    expect(d.mean).toEqual([null, null, 3000, 1000]);
    expect(d.lo).toEqual([null, null, 1000, 0]);
    expect(d.hi).toEqual([null, null, 5500, 2000]);
  });

  it("adds up the forecast over the horizon", () => {
    expect(forecastTotal(f)).toBe(4000);
  });

  it("does not repeat a day that is in both the history and the forecast", () => {
    const d = chartData({ ...f, forecast: [{ date: "2026-11-25", mean: 1, lo: 0, hi: 2 }] });
    expect(d.labels).toEqual(["2026-11-24", "2026-11-25"]);
    expect(d.history[1]).toBe(2000);
    expect(d.mean[1]).toBe(1);
  });
});
