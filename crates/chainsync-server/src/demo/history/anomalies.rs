//! The anomalies planted in the demo history, read from the committed file `anomalies.csv`
//! next to this module, so a detector can be scored against a known answer.
//!
//! File format (UTF-8 CSV, `#` lines are comments): `day,store,sku,kind`, where `day` counts
//! from the history's first day (0), `store` is a demo store code, `sku` a demo product SKU and
//! `kind` one of [`AnomalyKind`]. A row whose SKU is not in the seeded catalog (the `small`
//! scale has fewer products) or whose day is outside the history is not planted; a row that
//! falls on a day its store is closed moves to the store's next open day. What was actually
//! planted, with real dates, is what `seed-demo --anomalies-out` writes.

/// The committed list.
pub const ANOMALIES_CSV: &str = include_str!("anomalies.csv");

/// What kind of anomaly, and what the simulator does to plant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnomalyKind {
    /// A bulk buyer: one extra sale of about eight days' demand (at least a dozen pieces).
    Spike,
    /// Nothing of the product sells all day although it is in stock (a missing shelf label).
    Drop,
    /// Every line of the product is charged a tenth of its price (a mistyped price); the sales
    /// carry the `stale_price:<line>` flag the real sale path sets.
    PriceError,
    /// An unexplained loss of 40 % of the item's stock (at least one unit), found by an
    /// evening count and booked as a `count_correction` movement.
    Shrinkage,
}

impl AnomalyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::Spike => "spike",
            AnomalyKind::Drop => "drop",
            AnomalyKind::PriceError => "price_error",
            AnomalyKind::Shrinkage => "shrinkage",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            AnomalyKind::Spike,
            AnomalyKind::Drop,
            AnomalyKind::PriceError,
            AnomalyKind::Shrinkage,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    pub day: u32,
    pub store: String,
    pub sku: String,
    pub kind: AnomalyKind,
}

/// Parses the file format above; an error names the line.
pub fn parse(text: &str) -> Result<Vec<Anomaly>, String> {
    let mut out = Vec::new();
    let mut header = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !header {
            if line != "day,store,sku,kind" {
                return Err(format!(
                    "line {}: expected the header day,store,sku,kind",
                    n + 1
                ));
            }
            header = true;
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [day, store, sku, kind] = fields[..] else {
            return Err(format!("line {}: expected 4 fields", n + 1));
        };
        out.push(Anomaly {
            day: day
                .parse()
                .map_err(|_| format!("line {}: day is not a number", n + 1))?,
            store: store.to_owned(),
            sku: sku.to_owned(),
            kind: AnomalyKind::parse(kind)
                .ok_or_else(|| format!("line {}: unknown kind {kind}", n + 1))?,
        });
    }
    Ok(out)
}

/// The committed list, parsed (a unit test proves it parses).
pub fn committed() -> Vec<Anomaly> {
    parse(ANOMALIES_CSV).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_file_parses_and_covers_every_kind() {
        let list = parse(ANOMALIES_CSV).expect("committed anomalies parse");
        assert!(list.len() >= 30, "{}", list.len());
        for kind in [
            AnomalyKind::Spike,
            AnomalyKind::Drop,
            AnomalyKind::PriceError,
            AnomalyKind::Shrinkage,
        ] {
            assert!(list.iter().any(|a| a.kind == kind), "{kind:?}");
        }
        assert!(list.iter().all(|a| a.day < 365));
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        assert!(parse("day,store,sku\n").unwrap_err().contains("line 1"));
        let err = parse("day,store,sku,kind\n3,BER,FRU00BI,meteor\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("meteor"), "{err}");
        assert!(parse("# c\nday,store,sku,kind\nx,BER,A,spike\n").is_err());
    }
}
