//! A small builder for queries whose filters are optional, so dynamic SQL still binds every
//! value (never formats one into the text), with one exception: a `LIMIT`, an integer the
//! builder writes itself ([`Sql::limit`] says why). Placeholders are `$1, $2, ...`, which both
//! backends accept.

use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::OrgId;
use sqlx::Row;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    /// Text or SQL `NULL`.
    NullableText(Option<String>),
    /// An integer or SQL `NULL`.
    NullableInt(Option<i64>),
}

/// SQL text with its arguments, numbered as they are pushed.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends text verbatim (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends ` LIMIT rows` with the number in the text, not bound.
    ///
    /// SQLite (3.51) reads a bound `LIMIT` while planning and marks the statement to be planned
    /// again whenever that parameter is rebound: every run of a cached statement with
    /// `LIMIT $n` was parsed and planned from scratch. A number in the text keeps one plan per
    /// distinct limit (an `i64` cannot carry SQL).
    pub fn limit(&mut self, rows: i64) -> &mut Self {
        self.text.push_str(&format!(" LIMIT {rows}"));
        self
    }

    /// Appends `$a, $b, ...` bound to each text value (for `IN (...)`).
    pub fn bind_list(&mut self, values: impl IntoIterator<Item = String>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(Arg::Text(value));
        }
        self
    }

    /// Appends one row of a multi-row `VALUES` list, `($a, $b, ...)`, after a comma unless it
    /// is the `first`.
    pub fn bind_row(&mut self, first: bool, values: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.text.push_str(if first { "(" } else { ", (" });
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value);
        }
        self.text.push(')');
        self
    }

    /// The text and its arguments, to be joined with others (`batch`).
    pub fn into_parts(self) -> (String, Vec<Arg>) {
        (self.text, self.args)
    }

    /// A query made of `text` whose placeholders `$1..` are bound to `args` in order.
    pub fn from_parts(text: String, args: Vec<Arg>) -> Self {
        Sql { text, args }
    }

    pub fn build(self) -> Query<'static, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(self.text));
        for arg in self.args {
            query = match arg {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
                Arg::NullableText(s) => query.bind(s),
                Arg::NullableInt(i) => query.bind(i),
            };
        }
        query
    }
}

/// One page of an organisation's rows of `table` (which has `org_id`, `id` and `active`), in id
/// (creation) order after `cursor`, active ones only unless asked. `table` is a constant name
/// from the caller, never input.
pub(crate) async fn org_page<T>(
    conn: &mut Conn,
    table: &'static str,
    org: OrgId,
    include_inactive: bool,
    cursor: Option<String>,
    limit: u32,
    from_row: fn(&AnyRow) -> StorageResult<T>,
) -> StorageResult<Page<(String, T)>> {
    let mut sql = Sql::new(&format!("SELECT * FROM {table} WHERE org_id = "));
    sql.bind(Arg::Text(org.to_string()));
    if !include_inactive {
        sql.push(" AND active = 1");
    }
    if let Some(c) = cursor {
        sql.push(" AND id > ").bind(Arg::Text(c));
    }
    sql.push(" ORDER BY id").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("id")?, from_row(r)?)))
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |(id, _)| id.clone()))
}
