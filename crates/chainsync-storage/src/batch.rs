//! Writes queued inside a transaction and sent together, as if each had been run where it was
//! queued: on SQLite as **one** multi-statement query (one hand-off to the connection's worker
//! thread instead of one per statement), on PostgreSQL as **one** statement whose writes are
//! data-modifying `WITH` parts (one network round trip instead of one per statement).
//!
//! Why: sqlx runs every SQLite statement on the connection's own thread, and each statement's
//! round trip (command out, rows and result back) costs two to four context switches. Inside
//! the single SQLite writer's transaction those round trips are serial: a sale's tail (its
//! header, lines, ledger rows, mutation record and events) was seven of them. As one query the
//! worker runs them back to back. On PostgreSQL every statement is a round trip to the server
//! process, the whole cost of a short write.
//!
//! Invariants:
//! - Statements run in the order they were queued; the first failure stops the batch and is
//!   returned (the caller rolls the transaction back, as after any failed statement).
//! - Only statements whose results nobody reads may be queued (inserts, updates checked by
//!   nothing), without a `RETURNING` clause of their own (PostgreSQL's form adds one): the
//!   batch returns the total of rows affected, nothing else.
//! - Each statement is written with its own placeholders `$1..$k`; the batch renumbers them
//!   into one argument list, so values are always bound, never formatted into the text.

use crate::sql::{Arg, Sql};
use crate::{Conn, StorageResult};
use sqlx::Row;

/// Statements queued for one round trip.
#[derive(Debug, Default)]
pub struct Batch {
    statements: Vec<(String, Vec<Arg>)>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues one statement (built with its own `$1..$k`).
    pub(crate) fn push(&mut self, sql: Sql) {
        self.statements.push(sql.into_parts());
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Statements queued.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Runs every queued statement, in order; returns the rows they affected in total.
    pub async fn execute(self, conn: &mut Conn) -> StorageResult<u64> {
        match self.statements.len() {
            0 => return Ok(0),
            1 => {
                let (text, args) = self.statements.into_iter().next().unwrap_or_default();
                return Ok(Sql::from_parts(text, args)
                    .build()
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
            }
            _ => {}
        }
        if crate::Backend::of(conn) == crate::Backend::Sqlite {
            let (text, args) = join(self.statements);
            // sqlx's SQLite driver runs every statement of the text in one command and binds
            // `$n` to the n-th argument of the whole list.
            Ok(Sql::from_parts(text, args)
                .build()
                .execute(&mut *conn)
                .await?
                .rows_affected())
        } else {
            // PostgreSQL's extended protocol takes one statement per query, but one statement
            // may hold several writes as data-modifying `WITH` parts.
            let (text, args) = join_as_ctes(self.statements);
            let row = Sql::from_parts(text, args)
                .build()
                .fetch_one(&mut *conn)
                .await?;
            Ok(u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0))
        }
    }

    /// Every queued statement as one SQLite text with one argument list (what [`Batch::execute`]
    /// sends on SQLite), for the writer to wrap in its own statements.
    pub(crate) fn into_sqlite_text(self) -> Sql {
        let (text, args) = join(self.statements);
        Sql::from_parts(text, args)
    }

    /// Runs every queued statement on its own, in order (a round trip each): for writes whose
    /// batch would take a new shape on every call, where PostgreSQL would parse and plan the
    /// joined statement afresh each time while each fixed text stays prepared.
    pub async fn execute_each(self, conn: &mut Conn) -> StorageResult<u64> {
        let mut affected = 0;
        for (text, args) in self.statements {
            affected += Sql::from_parts(text, args)
                .build()
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
        Ok(affected)
    }
}

/// One PostgreSQL statement running all `statements`:
/// `WITH s1 AS (<first> RETURNING 1), s2 AS (...) SELECT (SELECT COUNT(*) FROM s1) + ...`.
///
/// Every part runs exactly once, to completion. The main query reads the parts' counts one
/// after another, so they run in queue order (rows taking sequence values, such as outbox
/// events, get them in that order). The parts share one snapshot and cannot read each other's
/// rows, which is why only writes whose results nobody reads are queued; constraints (foreign
/// keys between a header and its lines) are checked at the end of the statement, when every
/// part has run.
fn join_as_ctes(statements: Vec<(String, Vec<Arg>)>) -> (String, Vec<Arg>) {
    let mut text = String::from("WITH ");
    let mut args = Vec::new();
    let n = statements.len();
    for (i, (sql, own)) in statements.into_iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("s{} AS (", i + 1));
        text.push_str(&renumber(&sql, args.len()));
        text.push_str(" RETURNING 1)");
        args.extend(own);
    }
    text.push_str(" SELECT CAST(");
    for i in 1..=n {
        if i > 1 {
            text.push_str(" + ");
        }
        text.push_str(&format!("(SELECT COUNT(*) FROM s{i})"));
    }
    text.push_str(" AS BIGINT)");
    (text, args)
}

/// One text and one argument list for all `statements`, placeholders renumbered.
fn join(statements: Vec<(String, Vec<Arg>)>) -> (String, Vec<Arg>) {
    let mut text = String::new();
    let mut args = Vec::new();
    for (sql, own) in statements {
        if !text.is_empty() {
            text.push_str(";\n");
        }
        text.push_str(&renumber(&sql, args.len()));
        args.extend(own);
    }
    (text, args)
}

/// `sql` with every placeholder `$n` outside quoted text and identifiers made `$(n + by)`.
fn renumber(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push('$');
                out.push_str(&(n + by).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_shifted_but_quoted_text_is_not() {
        assert_eq!(
            renumber("INSERT INTO t (a, b) VALUES ($1, $12) -- '$3'", 5),
            "INSERT INTO t (a, b) VALUES ($6, $17) -- '$3'"
        );
        assert_eq!(
            renumber("SELECT \"$1\", '$2', $2, $ FROM x", 1),
            "SELECT \"$1\", '$2', $3, $ FROM x"
        );
        assert_eq!(renumber("VALUES ($1)", 0), "VALUES ($1)");
    }

    #[test]
    fn postgres_gets_one_statement_of_with_parts_read_in_order() {
        let mut first = Sql::new("INSERT INTO a (x) VALUES (");
        first.bind(Arg::Int(1)).push(")");
        let mut second = Sql::new("UPDATE b SET z = ");
        second.bind(Arg::Int(2));
        let (text, args) = join_as_ctes(vec![first.into_parts(), second.into_parts()]);
        assert_eq!(
            text,
            "WITH s1 AS (INSERT INTO a (x) VALUES ($1) RETURNING 1), \
             s2 AS (UPDATE b SET z = $2 RETURNING 1) \
             SELECT CAST((SELECT COUNT(*) FROM s1) + (SELECT COUNT(*) FROM s2) AS BIGINT)"
        );
        assert_eq!(args.len(), 2);
    }

    #[test]
    fn statements_are_joined_with_one_argument_list() {
        let mut first = Sql::new("INSERT INTO a (x, y) VALUES (");
        first
            .bind(Arg::Int(1))
            .push(", ")
            .bind(Arg::Text("one".into()))
            .push(")");
        let mut second = Sql::new("UPDATE b SET z = ");
        second
            .bind(Arg::Int(2))
            .push(" WHERE k = ")
            .bind(Arg::Int(3));
        let (text, args) = join(vec![first.into_parts(), second.into_parts()]);
        assert_eq!(
            text,
            "INSERT INTO a (x, y) VALUES ($1, $2);\nUPDATE b SET z = $3 WHERE k = $4"
        );
        assert_eq!(args.len(), 4);
    }
}
