//! Customers file: one row per customer, matched by email, else by phone (created when
//! neither is known, updated when one is).
//!
//! Columns (all optional, at least one of `name`, `email`, `phone` per row): `name`, `email`,
//! `phone`, `note`. An empty cell keeps the customer's value. Loyalty points are never
//! imported (they come only from the points ledger). Admins and managers.

use super::table::{Columns, Table};
use super::{Actor, Errors, Progress, Summary};
use crate::http::error::ApiError;
use chainsync_domain::ValidationError;
use chainsync_domain::ids::CustomerId;
use chainsync_domain::validation::{self, Email};
use chainsync_storage::customers::{self, CustomerRecord};
use chainsync_storage::imports::{self, ContactColumn};
use chainsync_storage::{Conn, now_ms};
use std::collections::HashMap;

pub const COLUMNS: &Columns = &Columns {
    required: &[],
    optional: &["name", "email", "phone", "note"],
};

pub async fn apply(
    tx: &mut Conn,
    actor: &Actor,
    table: &Table,
    summary: &mut Summary,
    errors: &mut Errors,
    progress: &dyn Progress,
) -> Result<(), ApiError> {
    if !actor.principal.is_staff_manager() {
        return Err(ApiError::forbidden(
            "only admins and managers may import customers",
        ));
    }
    if !["name", "email", "phone"].iter().any(|c| table.has(c)) {
        return Err(ApiError::unprocessable(
            "missing_column",
            "a customers file needs a name, email or phone column",
        )
        .field("email"));
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    let now = now_ms();
    let total = table.rows.len();
    for (done, row) in table.rows.iter().enumerate() {
        progress.rows(done, total);
        let line = row.line;
        let before = errors.total;
        let mut check = |column: &str, r: Result<Option<String>, ValidationError>| match r {
            Ok(v) => v,
            Err(e) => {
                errors.push(line, Some(column), e.code, e.message);
                None
            }
        };
        let name = check(
            "name",
            validation::optional_text(table.get(row, "name"), 100),
        );
        let email = check(
            "email",
            table
                .get(row, "email")
                .map(|e| Email::parse(e).map(|e| e.as_str().to_owned()))
                .transpose(),
        );
        let phone = check(
            "phone",
            table.get(row, "phone").map(validation::phone).transpose(),
        );
        let note = check(
            "note",
            validation::optional_text(table.get(row, "note"), 500),
        );
        if errors.total > before {
            continue;
        }
        if name.is_none() && email.is_none() && phone.is_none() {
            errors.push(
                line,
                None,
                "customer_empty",
                "give at least a name, an email or a phone number",
            );
            continue;
        }
        for (column, key) in [("email", &email), ("phone", &phone)] {
            if let Some(key) = key
                && let Some(first) = seen.insert(format!("{column}:{key}"), line)
            {
                errors.push(
                    line,
                    Some(column),
                    "duplicate_row",
                    format!("{key} is already on line {first}"),
                );
            }
        }
        let by_email = match &email {
            Some(e) => imports::customer_by(tx, actor.org, ContactColumn::Email, e).await?,
            None => None,
        };
        let by_phone = match &phone {
            Some(p) => imports::customer_by(tx, actor.org, ContactColumn::Phone, p).await?,
            None => None,
        };
        if let (Some(a), Some(b)) = (&by_email, &by_phone)
            && a.id != b.id
        {
            errors.push(
                line,
                Some("phone"),
                "customer_conflict",
                "the email and the phone number belong to two different customers",
            );
        }
        if errors.total > before {
            continue;
        }
        match by_email.or(by_phone) {
            Some(mut c) => {
                let old = (
                    c.name.clone(),
                    c.email.clone(),
                    c.phone.clone(),
                    c.note.clone(),
                );
                if name.is_some() {
                    c.name = name;
                }
                if email.is_some() {
                    c.email = email;
                }
                if phone.is_some() {
                    c.phone = phone;
                }
                if note.is_some() {
                    c.note = note;
                }
                if old
                    == (
                        c.name.clone(),
                        c.email.clone(),
                        c.phone.clone(),
                        c.note.clone(),
                    )
                {
                    summary.unchanged += 1;
                    continue;
                }
                c.updated_at = now;
                customers::update(tx, &c).await?;
                summary.updated += 1;
            }
            None => {
                customers::insert(
                    tx,
                    &CustomerRecord {
                        id: CustomerId::new(),
                        org_id: actor.org,
                        name,
                        email,
                        phone,
                        note,
                        points_balance: 0,
                        created_at: now,
                        updated_at: now,
                        erased_at: None,
                    },
                )
                .await?;
                summary.created += 1;
            }
        }
    }
    progress.rows(total, total);
    Ok(())
}
