//! Reading an import file: UTF-8 (a byte-order mark is skipped), comma-separated, RFC 4180
//! quoting, a header row naming the columns (case and surrounding spaces ignored, any order).
//!
//! File-level errors (422 unless said): `empty_file`, `invalid_encoding` (not UTF-8: the line
//! is named), `malformed_csv` (the CSV reader gave up), `missing_column`, `unknown_column`,
//! `duplicate_column`, `too_many_rows` (413). A row with more or fewer cells than the header is
//! a row error (`wrong_field_count`), not a file error, so the other rows are still checked.

use super::{MAX_ROWS, RowError};
use crate::http::error::ApiError;
use axum::http::StatusCode;
use std::collections::HashMap;

/// The columns a kind of file accepts.
#[derive(Debug)]
pub struct Columns {
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

/// A parsed file: the header's column positions and the rows with their line numbers.
#[derive(Debug)]
pub struct Table {
    positions: HashMap<&'static str, usize>,
    pub rows: Vec<Row>,
    /// Rows whose cell count differs from the header's.
    pub shape_errors: Vec<RowError>,
}

#[derive(Debug)]
pub struct Row {
    /// The file line the row starts on (header = 1).
    pub line: u64,
    cells: Vec<String>,
}

fn file_error(code: &'static str, message: String, field: Option<String>) -> ApiError {
    let mut e = ApiError::unprocessable(code, message);
    e.field = field;
    e
}

impl Table {
    pub fn parse(bytes: &[u8], columns: &Columns) -> Result<Table, ApiError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Err(e) = std::str::from_utf8(bytes) {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            return Err(file_error(
                "invalid_encoding",
                format!("the file is not UTF-8 text (line {line}); save it as CSV UTF-8"),
                None,
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(file_error(
                "empty_file",
                "the file is empty: it needs a header row and at least one row".into(),
                None,
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(malformed(&e)),
            None => unreachable_empty()?,
        };
        let positions = check_header(&header, columns)?;
        let mut rows = Vec::new();
        let mut shape_errors = Vec::new();
        for record in records {
            let record = record.map_err(|e| malformed(&e))?;
            // The line the record starts on, counted from its byte offset (the reader's own line
            // counter can be one behind after CRLF line endings).
            let line = record.position().map_or(0, |p| {
                let mut start = usize::try_from(p.byte())
                    .unwrap_or(bytes.len())
                    .min(bytes.len());
                // With CRLF endings the reader may place a record at the `\n` ending the line before.
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
            });
            // Blank lines (a trailing newline in a spreadsheet export) are not rows.
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if rows.len() + shape_errors.len() >= MAX_ROWS {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_many_rows",
                    format!("an import file holds at most {MAX_ROWS} rows: split it"),
                ));
            }
            if record.len() != header.len() {
                shape_errors.push(RowError {
                    row: line,
                    column: None,
                    code: "wrong_field_count".into(),
                    message: format!(
                        "the row has {} cells where the header has {}",
                        record.len(),
                        header.len()
                    ),
                });
                continue;
            }
            rows.push(Row {
                line,
                cells: record.iter().map(|c| c.trim().to_owned()).collect(),
            });
        }
        if rows.is_empty() && shape_errors.is_empty() {
            return Err(file_error(
                "empty_file",
                "the file has a header but no rows".into(),
                None,
            ));
        }
        Ok(Table {
            positions,
            rows,
            shape_errors,
        })
    }

    /// The cell of `column` in `row`, `None` when the column is absent or the cell empty.
    pub fn get<'a>(&self, row: &'a Row, column: &str) -> Option<&'a str> {
        self.positions
            .get(column)
            .and_then(|i| row.cells.get(*i))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Whether the header has `column`.
    pub fn has(&self, column: &str) -> bool {
        self.positions.contains_key(column)
    }
}

fn unreachable_empty() -> Result<csv::StringRecord, ApiError> {
    Err(file_error("empty_file", "the file is empty".into(), None))
}

fn malformed(e: &csv::Error) -> ApiError {
    let line = e.position().map_or(0, |p| p.line());
    file_error(
        "malformed_csv",
        format!("the file is not valid CSV near line {line}"),
        None,
    )
}

fn check_header(
    header: &csv::StringRecord,
    columns: &Columns,
) -> Result<HashMap<&'static str, usize>, ApiError> {
    let mut positions = HashMap::new();
    for (i, raw) in header.iter().enumerate() {
        let name = raw.trim().to_ascii_lowercase();
        let known = columns
            .required
            .iter()
            .chain(columns.optional)
            .find(|c| **c == name);
        let Some(known) = known else {
            let all: Vec<&str> = columns
                .required
                .iter()
                .chain(columns.optional)
                .copied()
                .collect();
            return Err(file_error(
                "unknown_column",
                format!("unknown column '{raw}'; the columns are {}", all.join(", ")),
                Some(raw.to_owned()),
            ));
        };
        if positions.insert(*known, i).is_some() {
            return Err(file_error(
                "duplicate_column",
                format!("the column '{name}' appears twice"),
                Some(name),
            ));
        }
    }
    for required in columns.required {
        if !positions.contains_key(required) {
            return Err(file_error(
                "missing_column",
                format!("the column '{required}' is required"),
                Some((*required).to_owned()),
            ));
        }
    }
    Ok(positions)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: Columns = Columns {
        required: &["sku", "name"],
        optional: &["price"],
    };

    #[test]
    fn reads_quoted_cells_any_column_order_and_a_bom() {
        let t = Table::parse(
            b"\xEF\xBB\xBFName , SKU\r\n\"Tea, \"\"Earl\"\"\",T1\r\n\r\n",
            &COLS,
        )
        .unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.get(&t.rows[0], "name"), Some("Tea, \"Earl\""));
        assert_eq!(t.get(&t.rows[0], "sku"), Some("T1"));
        assert_eq!(t.get(&t.rows[0], "price"), None);
        assert_eq!(t.rows[0].line, 2);
    }

    #[test]
    fn header_problems_are_file_errors_naming_the_column() {
        let code = |b: &[u8]| Table::parse(b, &COLS).unwrap_err();
        let e = code(b"sku\nA\n");
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("missing_column", Some("name"))
        );
        let e = code(b"sku,name,colour\nA,B,C\n");
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("unknown_column", Some("colour"))
        );
        let e = code(b"sku,name,SKU\nA,B,C\n");
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("duplicate_column", Some("sku"))
        );
        assert_eq!(code(b"").code, "empty_file");
        assert_eq!(code(b"sku,name\n").code, "empty_file");
        assert_eq!(code(b"sku,name\nA,\xFF\n").code, "invalid_encoding");
    }

    #[test]
    fn a_short_row_is_a_row_error_and_the_others_are_kept() {
        let t = Table::parse(b"sku,name\nA\nB,b\n", &COLS).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.shape_errors[0].row, 2);
        assert_eq!(t.shape_errors[0].code, "wrong_field_count");
    }
}
