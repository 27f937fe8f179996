#!/usr/bin/env python3
"""Export the seeded demo chain's sales history (SQLite) as `chainsync forecast` input.

One series per store x product: units sold per day on the store's own calendar (its time
zone), weighed goods in kg; days without sales inside the history are written as 0, so every
series covers the whole history. Columns: series_id,date,quantity,store,product,category.

Usage (from the repository root, after `chainsync seed-demo --data-dir DIR`):
  python3 scripts/forecast-compare/export_demo.py DIR/chainsync.db demo-history.csv
"""

from __future__ import annotations

import sqlite3
import sys

import pandas as pd


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    db, out = sys.argv[1], sys.argv[2]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    lines = pd.read_sql_query(
        """SELECT st.code AS store, st.timezone AS tz, p.sku AS product, p.unit AS unit,
                  COALESCE(c.name, '') AS category, l.occurred_at AS at, l.quantity AS quantity
           FROM sale_lines l JOIN stores st ON st.id = l.store_id
           JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id""",
        con,
    )
    if lines.empty:
        sys.exit("no sales in this database: seed the demo with history first")
    parts = []
    for tz, g in lines.groupby("tz"):
        g = g.copy()
        g["date"] = pd.to_datetime(g["at"], unit="ms", utc=True).dt.tz_convert(tz).dt.date
        parts.append(g)
    lines = pd.concat(parts)
    lines["quantity"] = lines["quantity"].where(lines["unit"] != "weighed", lines["quantity"] / 1000.0)
    daily = lines.groupby(["store", "product", "category", "date"], as_index=False)["quantity"].sum()
    days = pd.date_range(daily["date"].min(), daily["date"].max(), freq="D").date
    keys = pd.read_sql_query(
        """SELECT st.code AS store, p.sku AS product, COALESCE(c.name, '') AS category
           FROM stores st CROSS JOIN products p LEFT JOIN categories c ON c.id = p.category_id
           WHERE p.id NOT IN (SELECT parent_id FROM products WHERE parent_id IS NOT NULL)""",
        con,
    )
    grid = keys.merge(pd.DataFrame({"date": days}), how="cross")
    full = grid.merge(daily, on=["store", "product", "category", "date"], how="left")
    full["quantity"] = full["quantity"].fillna(0.0).round(3)
    full["series_id"] = full["store"] + "/" + full["product"]
    full = full.sort_values(["series_id", "date"])
    full[["series_id", "date", "quantity", "store", "product", "category"]].to_csv(out, index=False)
    print(f"{full['series_id'].nunique()} series x {len(days)} days -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
