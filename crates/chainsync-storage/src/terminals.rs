//! Point-of-sale terminals. Each belongs to one store, has an organisation-unique code (it
//! prefixes the receipt numbers the terminal makes offline), and counts the mutations it sent:
//! `last_seq` is the sequence number of the last one applied.

use crate::batch::Batch;
use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, StorageResult};
use chainsync_domain::ids::{OrgId, ShiftId, StoreId, TerminalId};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct TerminalRecord {
    pub id: TerminalId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub last_seq: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn from_row(row: &AnyRow) -> StorageResult<TerminalRecord> {
    Ok(TerminalRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: row
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(corrupt)?,
        store_id: row
            .try_get::<String, _>("store_id")?
            .parse()
            .map_err(corrupt)?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        active: row.try_get::<i64, _>("active")? != 0,
        last_seq: row.try_get("last_seq")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub async fn insert(conn: &mut Conn, t: &TerminalRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO terminals (id, org_id, store_id, code, name, active, last_seq, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t.id.to_string())
    .bind(t.org_id.to_string())
    .bind(t.store_id.to_string())
    .bind(&t.code)
    .bind(&t.name)
    .bind(i64::from(t.active))
    .bind(t.last_seq)
    .bind(t.created_at)
    .bind(t.revoked_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut Conn,
    org: OrgId,
    id: TerminalId,
) -> StorageResult<Option<TerminalRecord>> {
    let row = sqlx::query("SELECT * FROM terminals WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A mutation seen before: what the envelope needs to answer it again.
#[derive(Debug, Clone)]
pub struct PreviousMutation {
    pub payload: String,
    pub http_status: i64,
    pub result: String,
}

/// What a terminal mutation's envelope reads before it takes the sequence.
#[derive(Debug, Clone)]
pub struct EnvelopeFacts {
    pub terminal: TerminalRecord,
    /// The shift open on the terminal, if any.
    pub open_shift: Option<ShiftId>,
    /// The organisation's mutation with the same id, if it was seen before.
    pub previous: Option<PreviousMutation>,
}

/// The terminal, its open shift and any earlier mutation with id `mutation`, in one statement
/// and so from one snapshot: a concurrent delivery of the same mutation is either wholly
/// visible (the mutation and the sequence it took) or not at all. `None` when the organisation
/// has no such terminal.
pub async fn envelope_facts(
    conn: &mut Conn,
    org: OrgId,
    id: TerminalId,
    mutation: Uuid,
) -> StorageResult<Option<EnvelopeFacts>> {
    let row = sqlx::query(
        "SELECT t.*, \
         (SELECT s.id FROM shifts s WHERE s.terminal_id = t.id AND s.status = 'open' LIMIT 1) AS open_shift_id, \
         m.payload AS previous_payload, m.http_status AS previous_http_status, m.result AS previous_result \
         FROM terminals t LEFT JOIN mutations m ON m.org_id = $1 AND m.id = $3 \
         WHERE t.org_id = $1 AND t.id = $2",
    )
    .bind(org.to_string())
    .bind(id.to_string())
    .bind(mutation.to_string())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let previous = match row.try_get::<Option<String>, _>("previous_payload")? {
        Some(payload) => Some(PreviousMutation {
            payload,
            http_status: row.try_get("previous_http_status")?,
            result: row.try_get("previous_result")?,
        }),
        None => None,
    };
    Ok(Some(EnvelopeFacts {
        terminal: from_row(&row)?,
        open_shift: row
            .try_get::<Option<String>, _>("open_shift_id")?
            .map(|s| s.parse())
            .transpose()
            .map_err(corrupt)?,
        previous,
    }))
}

/// A store's terminals, oldest first.
pub async fn list(conn: &mut Conn, store: StoreId) -> StorageResult<Vec<TerminalRecord>> {
    let rows = sqlx::query("SELECT * FROM terminals WHERE store_id = $1 ORDER BY id")
        .bind(store.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A mutation a revoked terminal sent: recorded for review, not applied.
#[derive(Debug, Clone)]
pub struct QuarantinedMutation {
    /// The client-made mutation id.
    pub id: Uuid,
    pub terminal_id: TerminalId,
    pub terminal_code: String,
    pub seq: i64,
    /// `sale` or `return`.
    pub kind: String,
    /// The request as the terminal sent it (JSON).
    pub payload: String,
    pub received_at: i64,
}

/// The quarantined mutations of a store's terminals, by descending mutation id, after
/// `cursor` (the last id of the previous page); `limit + 1` rows (see `Page::from_overfetch`).
pub async fn quarantined(
    conn: &mut Conn,
    store: StoreId,
    cursor: Option<Uuid>,
    limit: u32,
) -> StorageResult<crate::Page<QuarantinedMutation>> {
    let mut sql = Sql::new(
        "SELECT m.id, m.terminal_id, t.code, m.seq, m.kind, m.payload, m.received_at \
         FROM mutations m JOIN terminals t ON t.id = m.terminal_id \
         WHERE m.status = 'quarantined' AND t.store_id = ",
    );
    sql.bind(Arg::Text(store.to_string()));
    if let Some(cursor) = cursor {
        sql.push(" AND m.id < ").bind(Arg::Text(cursor.to_string()));
    }
    sql.push(" ORDER BY m.id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(QuarantinedMutation {
                id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
                terminal_id: r
                    .try_get::<String, _>("terminal_id")?
                    .parse()
                    .map_err(corrupt)?,
                terminal_code: r.try_get("code")?,
                seq: r.try_get("seq")?,
                kind: r.try_get("kind")?,
                payload: r.try_get("payload")?,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(crate::Page::from_overfetch(items, limit, |m| {
        m.id.to_string()
    }))
}

/// Revokes a terminal; false when it was already revoked.
pub async fn revoke(conn: &mut Conn, id: TerminalId, now: i64) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE terminals SET active = 0, revoked_at = $1 WHERE id = $2 AND active = 1",
    )
    .bind(now)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// [`advance_seq`] queued in `batch`, for a writer that read the terminal in the same
/// SQLite write transaction (no one can have moved the sequence since): the condition then
/// always holds, and nothing reads the outcome.
pub fn queue_advance_seq(batch: &mut Batch, id: TerminalId, seq: i64) {
    let mut update = Sql::new("UPDATE terminals SET last_seq = ");
    update
        .bind(Arg::Int(seq))
        .push(" WHERE id = ")
        .bind(Arg::Text(id.to_string()))
        .push(" AND last_seq = ")
        .bind(Arg::Int(seq - 1));
    batch.push(update);
}

/// Records that mutation `seq` was applied, only if it is the next one (compare-and-set, so
/// two deliveries of the same sequence cannot both apply).
pub async fn advance_seq(conn: &mut Conn, id: TerminalId, seq: i64) -> StorageResult<bool> {
    let done = sqlx::query("UPDATE terminals SET last_seq = $1 WHERE id = $2 AND last_seq = $3")
        .bind(seq)
        .bind(id.to_string())
        .bind(seq - 1)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
