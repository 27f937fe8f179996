//! Reads and validates the history CSV, then builds one gap-free daily series per id.
//!
//! Rules: the header must name `series_id`, `date`, `quantity`; `store` and `category` are
//! used when present (`product` and `dept` are accepted and ignored for now); `--features`
//! columns must exist and hold numbers. A bad date, a non-numeric quantity or feature, or a
//! duplicate (series_id, date) is an error naming the line and the column. A day missing
//! inside a series is a zero-sales day (its features carry the previous day's value). Future
//! feature values (needed over the horizon) carry the last observed value.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use chainsync_analytics::Series;
use chainsync_analytics::engine::PanelSeries;
use chrono::NaiveDate;

/// A validation error pointing at a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// 1-based column number.
    pub column: usize,
    /// Column name.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {} ({}): {}",
            self.line, self.column, self.name, self.message
        )
    }
}

impl std::error::Error for CellError {}

#[derive(Debug)]
struct Row {
    line: u64,
    date: NaiveDate,
    quantity: f64,
    features: Vec<f64>,
}

#[derive(Debug, Default)]
struct Raw {
    store: Option<String>,
    category: Option<String>,
    rows: Vec<Row>,
}

struct Columns {
    id: usize,
    date: usize,
    quantity: usize,
    store: Option<usize>,
    category: Option<usize>,
    features: Vec<usize>,
}

fn columns(headers: &csv::StringRecord, features: &[String]) -> anyhow::Result<Columns> {
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let need = |name: &str| {
        find(name).with_context(|| format!("line 1: the header has no `{name}` column"))
    };
    let mut feature_idx = Vec::new();
    for f in features {
        feature_idx.push(need(f).with_context(|| format!("--features names `{f}`"))?);
    }
    Ok(Columns {
        id: need("series_id")?,
        date: need("date")?,
        quantity: need("quantity")?,
        store: find("store"),
        category: find("category"),
        features: feature_idx,
    })
}

pub(crate) fn cell_error(
    line: u64,
    column: usize,
    headers: &csv::StringRecord,
    message: String,
) -> CellError {
    CellError {
        line,
        column: column + 1,
        name: headers.get(column).unwrap_or("").trim().to_string(),
        message,
    }
}

pub(crate) fn number(
    record: &csv::StringRecord,
    line: u64,
    col: usize,
    headers: &csv::StringRecord,
) -> Result<f64, CellError> {
    let text = record.get(col).unwrap_or("").trim();
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(cell_error(
            line,
            col,
            headers,
            format!("not a number: {text:?}"),
        )),
    }
}

/// Reads `path` into a panel; regressors are extended `horizon` days past each series' end.
pub fn read_panel(
    path: &Path,
    features: &[String],
    horizon: usize,
) -> anyhow::Result<Vec<PanelSeries>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header", path.display()))?
        .clone();
    let cols = columns(&headers, features).with_context(|| path.display().to_string())?;
    let mut by_id: BTreeMap<String, Raw> = BTreeMap::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: malformed CSV", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let id = record.get(cols.id).unwrap_or("").trim().to_string();
        if id.is_empty() {
            bail!(
                "{}: {}",
                path.display(),
                cell_error(line, cols.id, &headers, "empty series_id".into())
            );
        }
        let date_text = record.get(cols.date).unwrap_or("").trim();
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| {
            anyhow::Error::new(cell_error(
                line,
                cols.date,
                &headers,
                format!("not an ISO date: {date_text:?}"),
            ))
            .context(path.display().to_string())
        })?;
        let quantity = number(&record, line, cols.quantity, &headers)
            .map_err(|e| anyhow::Error::new(e).context(path.display().to_string()))?;
        let mut feats = Vec::with_capacity(cols.features.len());
        for &c in &cols.features {
            feats.push(
                number(&record, line, c, &headers)
                    .map_err(|e| anyhow::Error::new(e).context(path.display().to_string()))?,
            );
        }
        let raw = by_id.entry(id).or_default();
        let text = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        if raw.store.is_none() {
            raw.store = text(cols.store);
        }
        if raw.category.is_none() {
            raw.category = text(cols.category);
        }
        raw.rows.push(Row {
            line,
            date,
            quantity,
            features: feats,
        });
    }
    if by_id.is_empty() {
        bail!("{}: no data rows", path.display());
    }
    // Duplicates are found after reading, per series, by sorting on date: a map of every
    // (series, date) seen would cost gigabytes on a 50-million-row history. The one reported
    // is the first in file order, as a streaming check would.
    let mut first_duplicate: Option<(u64, u64, &str, NaiveDate)> = None;
    for (id, raw) in &mut by_id {
        raw.rows.sort_by_key(|r| (r.date, r.line));
        for pair in raw.rows.windows(2) {
            if pair[0].date == pair[1].date
                && first_duplicate.is_none_or(|(line, ..)| pair[1].line < line)
            {
                first_duplicate = Some((pair[1].line, pair[0].line, id.as_str(), pair[0].date));
            }
        }
    }
    if let Some((line, first, id, date)) = first_duplicate {
        let e = cell_error(
            line,
            cols.date,
            &headers,
            format!("duplicate of line {first} for series {id:?} on {date}"),
        );
        return Err(anyhow::Error::new(e).context(path.display().to_string()));
    }
    Ok(by_id
        .into_iter()
        .map(|(id, raw)| build(id, raw, features.len(), horizon))
        .collect())
}

/// Builds a gap-free series from rows already sorted by date.
fn build(id: String, raw: Raw, n_features: usize, horizon: usize) -> PanelSeries {
    let start = raw.rows[0].date;
    let end = raw.rows[raw.rows.len() - 1].date;
    let days = (end - start).num_days() as usize + 1;
    let mut y = vec![0.0; days];
    let mut x: Vec<Vec<Option<f64>>> = vec![vec![None; days]; n_features];
    for r in &raw.rows {
        let t = (r.date - start).num_days() as usize;
        y[t] = r.quantity;
        for (j, v) in r.features.iter().enumerate() {
            x[j][t] = Some(*v);
        }
    }
    let x = x
        .into_iter()
        .map(|col| {
            let mut last = 0.0;
            let mut out: Vec<f64> = col
                .into_iter()
                .map(|v| {
                    last = v.unwrap_or(last);
                    last
                })
                .collect();
            out.extend(std::iter::repeat_n(last, horizon));
            out
        })
        .collect();
    PanelSeries {
        id,
        store: raw.store,
        category: raw.category,
        series: Series { start, y, x },
    }
}
