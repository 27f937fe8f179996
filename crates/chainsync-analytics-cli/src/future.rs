//! Future regressor values (`--future`): a promotion calendar, planned prices, holidays.
//!
//! The file has `series_id,date` and the `--features` columns, with rows for days after a
//! series' last history date. Those values replace the carried-over last value on their
//! days; days not listed keep it. Rows past the horizon are ignored. Errors name the line
//! and column, like the history's: unknown series, a date not after the history, a
//! duplicate day, a bad date or number.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use chainsync_analytics::engine::PanelSeries;
use chrono::NaiveDate;

use crate::input::{cell_error, number};

/// Applies the future file at `path` to `panel` (whose regressors already span the horizon).
pub fn apply_future(
    path: &Path,
    features: &[String],
    panel: &mut [PanelSeries],
) -> anyhow::Result<()> {
    let ctx = || path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = reader.headers().with_context(ctx)?.clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .with_context(|| {
                format!(
                    "{}: line 1: the header has no `{name}` column",
                    path.display()
                )
            })
    };
    let id_col = find("series_id")?;
    let date_col = find("date")?;
    let feature_cols: Vec<usize> = features
        .iter()
        .map(|f| find(f))
        .collect::<anyhow::Result<_>>()?;
    let index: BTreeMap<&str, usize> = panel
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut updates: Vec<(usize, usize, Vec<f64>)> = Vec::new();
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: malformed CSV", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let fail = |col: usize, msg: String| {
            anyhow::Error::new(cell_error(line, col, &headers, msg)).context(ctx())
        };
        let id = record.get(id_col).unwrap_or("").trim();
        let Some(&i) = index.get(id) else {
            return Err(fail(id_col, format!("series {id:?} is not in the history")));
        };
        let text = record.get(date_col).unwrap_or("").trim();
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| fail(date_col, format!("not an ISO date: {text:?}")))?;
        let s = &panel[i].series;
        let last = s.date(s.len() - 1);
        if date <= last {
            return Err(fail(
                date_col,
                format!("{date} is not after the history's last day {last}"),
            ));
        }
        let t = (date - s.start).num_days() as usize;
        if !seen.insert((i, t)) {
            return Err(fail(
                date_col,
                format!("duplicate day {date} for series {id:?}"),
            ));
        }
        let mut values = Vec::with_capacity(feature_cols.len());
        for &c in &feature_cols {
            values.push(
                number(&record, line, c, &headers)
                    .map_err(|e| anyhow::Error::new(e).context(ctx()))?,
            );
        }
        updates.push((i, t, values));
    }
    // Applied only once the whole file is valid.
    for (i, t, values) in updates {
        for (col, v) in panel[i].series.x.iter_mut().zip(values) {
            if let Some(cell) = col.get_mut(t) {
                *cell = v;
            }
        }
    }
    Ok(())
}
