//! `chainsync import`: the CSV import from the command line, straight to the database (like
//! `seed-demo`), with a progress bar. The changes are recorded as made by `--user` (an active
//! staff member; what they may import follows their role, as over HTTP).

use super::{Actor, ImportKind, MAX_BYTES, Options, Outcome, Progress};
use crate::cli::DbArgs;
use anyhow::{Context, bail};
use chainsync_domain::access::Principal;
use chainsync_storage::{Db, imports, users};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// What the file holds.
    #[arg(long, value_enum)]
    pub kind: ImportKind,
    /// The CSV file (UTF-8; columns in docs/imports.md).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// Check the file and show what would change, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Stock files without a store column: the store counted, by code (BER).
    #[arg(long, value_name = "CODE")]
    pub store: Option<String>,
    /// The staff member the import is recorded as (email).
    #[arg(long = "user", value_name = "EMAIL", env = "CHAINSYNC_IMPORT_USER")]
    pub user: String,
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn rows(&self, done: usize, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }
}

/// Runs the import; `Ok(false)` when rows were rejected (so the process exits non-zero).
pub async fn run(db: &Db, args: &ImportArgs) -> anyhow::Result<bool> {
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    if size > MAX_BYTES as u64 {
        bail!(
            "{} is {size} bytes; an import file holds at most {} MiB: split it",
            args.file.display(),
            MAX_BYTES / (1024 * 1024)
        );
    }
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let mut conn = db.conn().await?;
    let user = users::find_by_email(&mut conn, &args.user.to_ascii_lowercase())
        .await?
        .filter(|u| u.active)
        .with_context(|| format!("no active user with email {}", args.user))?;
    let store = match &args.store {
        Some(code) => Some(
            imports::store_by_code(&mut conn, user.org_id, code)
                .await?
                .with_context(|| format!("no store with code {code}"))?,
        ),
        None => None,
    };
    let actor = Actor {
        org: user.org_id,
        user: user.id,
        email: user.email.clone(),
        principal: Principal {
            user_id: user.id,
            org_id: user.org_id,
            is_org_admin: user.is_org_admin,
            memberships: users::memberships_of(&mut conn, user.id).await?,
        },
        ip: None,
    };
    drop(conn);
    let options = Options {
        kind: args.kind,
        dry_run: args.dry_run,
        store,
    };
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} rows ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("importing {}", args.kind.as_str()));
    let outcome = super::run(db, &actor, &options, &bytes, &Bar(bar.clone()))
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
    bar.finish_and_clear();
    print(&outcome);
    Ok(outcome.errors.is_empty())
}

fn print(o: &Outcome) {
    let s = &o.summary;
    let verb = match (o.applied, o.dry_run) {
        (true, _) => "Imported",
        (false, true) if o.errors.is_empty() => "Dry run, nothing written",
        _ => "Rejected, nothing written",
    };
    println!(
        "{verb}: {} rows; {} created, {} updated, {} unchanged{}{}.",
        s.rows,
        s.created,
        s.updated,
        s.unchanged,
        if s.categories_created > 0 {
            format!(", {} categories created", s.categories_created)
        } else {
            String::new()
        },
        if s.sale_lines > 0 {
            format!(", {} sale lines", s.sale_lines)
        } else {
            String::new()
        },
    );
    for e in &o.errors {
        println!(
            "  line {}{}: {} ({})",
            e.row,
            e.column
                .as_deref()
                .map(|c| format!(", column {c}"))
                .unwrap_or_default(),
            e.message,
            e.code
        );
    }
}
