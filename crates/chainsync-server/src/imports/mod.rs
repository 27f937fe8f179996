//! CSV imports: products, stock levels (as counts), customers and historical sales, shared by
//! `POST /api/imports` and `chainsync import`.
//!
//! Rules:
//! - **All or nothing.** Every row is checked and applied inside one write transaction; if any
//!   row has an error, or the run is a dry run, the transaction is rolled back, so a file with
//!   one bad row writes nothing and a dry run reports exactly what applying would do.
//! - **Every error is reported**, not just the first: each with its row (the file's line
//!   number, the header being line 1), column and a reason. File-level problems (not UTF-8,
//!   missing, unknown or duplicate columns, too big) stop the import before any row is read.
//! - **Re-importing updates, never duplicates**: products are matched by SKU, customers by
//!   email or phone, stock counts set
//!   a level (a second identical count corrects nothing), historical sales are matched by
//!   store and receipt and skipped when already there.
//! - Stock changes go through the ledger (`retail::stock::move_stock`, count corrections);
//!   historical sales are written as real sales, lines and stock movements, but raise no outbox
//!   events (nobody must be told today about a sale of last year).
//!
//! Modules: [`table`] reads and checks the CSV; [`products`], [`stock`], [`sales`],
//! [`customers`] apply each
//! kind of file; [`cli`] is `chainsync import`.

pub mod cli;
pub mod customers;
pub mod products;
pub mod sales;
pub mod stock;
pub mod table;

use crate::http::error::ApiError;
use chainsync_domain::access::Principal;
use chainsync_domain::ids::{OrgId, StoreId, UserId};
use chainsync_storage::audit::AuditRecord;
use chainsync_storage::{Conn, Db, audit, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Products,
    Stock,
    Sales,
    Customers,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Products => "products",
            ImportKind::Stock => "stock",
            ImportKind::Sales => "sales",
            ImportKind::Customers => "customers",
        }
    }
}

/// Who imports: the organisation, the user to record, and what they may do.
#[derive(Debug, Clone)]
pub struct Actor {
    pub org: OrgId,
    pub user: UserId,
    pub email: String,
    pub principal: Principal,
    pub ip: Option<String>,
}

/// One row's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// The line of the file the row starts on (the header is line 1).
    pub row: u64,
    /// The column at fault, as named in the header; null when the whole row is.
    pub column: Option<String>,
    /// A code from docs/api-errors.md.
    pub code: String,
    pub message: String,
}

/// What the import did (or, in a dry run or with errors, would have done).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Summary {
    /// Data rows read.
    pub rows: usize,
    /// Products or sales created.
    pub created: usize,
    /// Products changed; stock items corrected.
    pub updated: usize,
    /// Rows that changed nothing (same values, a count that matched, a sale already there).
    pub unchanged: usize,
    /// Categories created because a product named one that did not exist.
    pub categories_created: usize,
    /// Historical sales: lines written.
    pub sale_lines: usize,
}

/// The answer to an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outcome {
    pub kind: ImportKind,
    pub dry_run: bool,
    /// True only when the rows were written (no errors and not a dry run).
    pub applied: bool,
    pub summary: Summary,
    /// Every row error, in file order (empty when the file is good).
    pub errors: Vec<RowError>,
}

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 100_000;
/// The largest file, in bytes (over HTTP and on the command line).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Most row errors listed; the count beyond is summarised in the last entry.
pub const MAX_ERRORS: usize = 1_000;

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: ImportKind,
    pub dry_run: bool,
    /// The store stock counts are for, when the file has no `store` column.
    pub store: Option<StoreId>,
}

/// Reports progress: rows done out of rows in all.
pub trait Progress: Sync {
    fn rows(&self, done: usize, total: usize);
}

/// No progress reporting (the HTTP API).
#[derive(Debug)]
pub struct Quiet;

impl Progress for Quiet {
    fn rows(&self, _: usize, _: usize) {}
}

/// Collects row errors while a kind's importer runs.
#[derive(Debug, Default)]
pub struct Errors {
    list: Vec<RowError>,
    total: usize,
}

impl Errors {
    pub fn push(&mut self, row: u64, column: Option<&str>, code: &str, message: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_ERRORS {
            self.list.push(RowError {
                row,
                column: column.map(str::to_owned),
                code: code.to_owned(),
                message: message.into(),
            });
        }
    }

    /// Whether this row already has an error on `column`.
    pub fn has(&self, row: u64, column: &str) -> bool {
        self.list
            .iter()
            .any(|e| e.row == row && e.column.as_deref() == Some(column))
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn finish(mut self) -> Vec<RowError> {
        if self.total > self.list.len() {
            let more = self.total - self.list.len();
            self.list.push(RowError {
                row: 0,
                column: None,
                code: "too_many_errors".into(),
                message: format!("{more} more errors not listed"),
            });
        }
        self.list
    }
}

/// Runs an import of `bytes` as `actor`. A file-level problem is an `Err`; row problems are in
/// the outcome's `errors` (and then nothing was written).
pub async fn run(
    db: &Db,
    actor: &Actor,
    options: &Options,
    bytes: &[u8],
    progress: &dyn Progress,
) -> Result<Outcome, ApiError> {
    if bytes.len() > MAX_BYTES {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "an import file holds at most {} MiB",
                MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    let columns = match options.kind {
        ImportKind::Products => products::COLUMNS,
        ImportKind::Stock => stock::COLUMNS,
        ImportKind::Sales => sales::COLUMNS,
        ImportKind::Customers => customers::COLUMNS,
    };
    let table = table::Table::parse(bytes, columns)?;
    let mut tx = db.begin_write().await?;
    let mut errors = Errors::default();
    for e in &table.shape_errors {
        errors.push(e.row, None, &e.code, e.message.clone());
    }
    let mut summary = Summary {
        rows: table.rows.len() + table.shape_errors.len(),
        ..Summary::default()
    };
    match options.kind {
        ImportKind::Products => {
            products::apply(&mut tx, actor, &table, &mut summary, &mut errors, progress).await?;
        }
        ImportKind::Stock => {
            stock::apply(
                &mut tx,
                actor,
                options.store,
                &table,
                &mut summary,
                &mut errors,
                progress,
            )
            .await?;
        }
        ImportKind::Sales => {
            sales::apply(&mut tx, actor, &table, &mut summary, &mut errors, progress).await?;
        }
        ImportKind::Customers => {
            customers::apply(&mut tx, actor, &table, &mut summary, &mut errors, progress).await?;
        }
    }
    let applied = errors.is_empty() && !options.dry_run;
    if applied {
        audit::insert(&mut tx, &audit_entry(actor, options, &summary)).await?;
        tx.commit().await.map_err(ApiError::internal)?;
    } else {
        tx.rollback().await.map_err(ApiError::internal)?;
    }
    Ok(Outcome {
        kind: options.kind,
        dry_run: options.dry_run,
        applied,
        summary,
        errors: errors.finish(),
    })
}

fn audit_entry(actor: &Actor, options: &Options, summary: &Summary) -> AuditRecord {
    AuditRecord {
        id: chainsync_domain::ids::AuditId::new(),
        org_id: Some(actor.org),
        at: now_ms(),
        actor_user_id: Some(actor.user),
        actor_label: Some(actor.email.clone()),
        action: "import.applied".into(),
        target_type: Some("import".into()),
        target_id: None,
        source_ip: actor.ip.clone(),
        details: json!({ "kind": options.kind, "store_id": options.store, "summary": summary }),
    }
}

/// The store ids of the organisation by code (stock and sales files name stores by code).
pub(crate) async fn store_codes(
    conn: &mut Conn,
    org: OrgId,
) -> Result<std::collections::HashMap<String, chainsync_storage::stores::StoreRecord>, ApiError> {
    let page = chainsync_storage::stores::list(
        conn,
        org,
        &chainsync_storage::stores::StoreScope::All,
        true,
        None,
        10_000,
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .map(|s| (s.code.clone(), s))
        .collect())
}
