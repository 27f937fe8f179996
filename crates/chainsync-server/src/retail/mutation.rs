//! The envelope every terminal mutation (sale, return, void) goes through before its own
//! rules: idempotency and per-terminal ordering, in the order that is safe on PostgreSQL's
//! READ COMMITTED (see `sales.rs`): the terminal and the mutation id are read in one statement
//! (one snapshot), then the terminal's sequence is taken with a compare-and-set.
//!
//! On SQLite the envelope runs inside a write transaction, which holds the database's one
//! write lock from `BEGIN IMMEDIATE`: nothing can change the terminal between the read and
//! the end of the transaction, so the sequence is written with the mutation's record
//! ([`queue_record`], one round trip with the rest of its writes) instead of by a
//! compare-and-set of its own. Every path that applies a fresh mutation records it.
//!
//! **The stored answer.** A replay answers exactly what the first delivery answered. Most
//! mutations keep that answer's body in their record; an applied sale keeps none
//! ([`queue_record`] without a body): its answer is the sale row it wrote (the sale as
//! `SaleView::from_record` shows it, which is what the first delivery returned), so the
//! priced cart is not stored twice (docs/performance.md, "What a sale writes"). An empty
//! stored body therefore means "the answer is the effect's own row" ([`Envelope::ReplayOfEffect`]).

use crate::http::error::{ApiError, ApiResult};
use crate::retail::sales::Applied;
use axum::http::StatusCode;
use chainsync_domain::ids::{OrgId, ShiftId, StoreId, TerminalId};
use chainsync_storage::batch::Batch;
use chainsync_storage::sales::{self, MutationRecord};
use chainsync_storage::terminals::{self, TerminalRecord};
use chainsync_storage::{Conn, now_ms};
use uuid::Uuid;

/// What the envelope decided.
#[derive(Debug)]
pub enum Envelope {
    /// Seen before with the same content: answer this again, change nothing.
    Replay(Applied),
    /// Seen before with the same content and recorded without a body: answer with this status
    /// and the row the mutation wrote (see the module header), change nothing.
    ReplayOfEffect(StatusCode),
    /// New: the sequence is taken; apply the mutation on this (active or revoked) terminal.
    Fresh(Target),
}

/// The terminal a fresh mutation applies on.
#[derive(Debug)]
pub struct Target {
    pub terminal: TerminalRecord,
    /// The shift open on the terminal when the envelope was opened.
    pub open_shift: Option<ShiftId>,
    /// The sequence the mutation took, for its record.
    pub claim: SeqClaim,
}

/// The sequence number a fresh mutation took on its terminal.
#[derive(Debug, Clone, Copy)]
pub struct SeqClaim {
    terminal: TerminalId,
    seq: i64,
    /// The terminal's `last_seq` is already advanced (PostgreSQL's compare-and-set); on
    /// SQLite the record advances it.
    written: bool,
}

/// Opens the envelope of mutation `id` with canonical `payload` from `terminal_id`.
pub async fn open(
    tx: &mut Conn,
    org: OrgId,
    store: StoreId,
    terminal_id: TerminalId,
    id: Uuid,
    seq: i64,
    payload: &str,
) -> ApiResult<Envelope> {
    // The terminal and any earlier delivery of this mutation come from one snapshot (see
    // `terminals::envelope_facts`), so a concurrent delivery that committed in between is
    // either seen as a replay or loses the sequence compare-and-set below and retries.
    let facts = terminals::envelope_facts(tx, org, terminal_id, id)
        .await?
        .filter(|f| f.terminal.store_id == store)
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_terminal", "no such terminal in this store")
                .field("terminal_id")
        })?;
    if let Some(previous) = facts.previous {
        if previous.payload != payload {
            return Err(ApiError::conflict(
                "mutation_conflict",
                "this mutation id was already used for different content",
            )
            .field("id"));
        }
        let status = StatusCode::from_u16(u16::try_from(previous.http_status).unwrap_or(500))
            .map_err(ApiError::internal)?;
        if previous.result.is_empty() {
            return Ok(Envelope::ReplayOfEffect(status));
        }
        let body = serde_json::from_str(&previous.result).map_err(ApiError::internal)?;
        return Ok(Envelope::Replay(Applied { status, body }));
    }
    let terminal = facts.terminal;
    let expected = terminal.last_seq + 1;
    if seq != expected {
        let message = format!("expected seq {expected}: resend from there");
        return Err(if seq > expected {
            ApiError::conflict("sequence_gap", message)
        } else {
            ApiError::conflict("sequence_reused", message)
        }
        .field("seq"));
    }
    let written = chainsync_storage::Backend::of(tx) == chainsync_storage::Backend::Postgres;
    if written && !terminals::advance_seq(tx, terminal.id, seq).await? {
        return Err(ApiError::conflict(
            "sequence_race",
            "a concurrent request applied this sequence first: retry",
        ));
    }
    Ok(Envelope::Fresh(Target {
        claim: SeqClaim {
            terminal: terminal.id,
            seq,
            written,
        },
        terminal,
        open_shift: facts.open_shift,
    }))
}

/// Records a mutation, under the sequence it claimed, with the answer it got, in the
/// transaction of its effect.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    tx: &mut Conn,
    org: OrgId,
    claim: SeqClaim,
    id: Uuid,
    kind: &str,
    payload: &str,
    status: &str,
    answer: &Applied,
) -> ApiResult<()> {
    let mut batch = Batch::new();
    let body = Some(&answer.body);
    queue_record(
        &mut batch,
        org,
        claim,
        id,
        kind,
        payload,
        status,
        answer.status,
        body,
    );
    batch.execute(tx).await.map_err(mutation_id_taken)?;
    Ok(())
}

/// [`record`], queued in `batch` to commit with it; the batch must run in the transaction
/// that opened the envelope. `body` is the answer's body, or `None` when the answer is the
/// row the mutation wrote, rebuilt from that row on a replay ([`Envelope::ReplayOfEffect`]:
/// an applied sale).
#[allow(clippy::too_many_arguments)]
pub fn queue_record(
    batch: &mut Batch,
    org: OrgId,
    claim: SeqClaim,
    id: Uuid,
    kind: &str,
    payload: &str,
    status: &str,
    http_status: StatusCode,
    body: Option<&serde_json::Value>,
) {
    if !claim.written {
        terminals::queue_advance_seq(batch, claim.terminal, claim.seq);
    }
    let mutation = MutationRecord {
        id,
        org_id: org,
        terminal_id: claim.terminal,
        seq: claim.seq,
        kind: kind.into(),
        payload: payload.to_owned(),
        status: status.to_owned(),
        http_status: i64::from(http_status.as_u16()),
        // Empty: the effect's row is the answer (see the module header).
        result: body.map(|b| b.to_string()).unwrap_or_default(),
        received_at: now_ms(),
    };
    sales::push_mutation(batch, &mutation);
}

/// The unique keys on a mutation id (PostgreSQL's name, the columns as SQLite names them).
/// They span organisations (the schema keys mutations by id alone), so a mutation id that
/// the envelope did not find in the caller's organisation can still be refused here.
const MUTATION_ID_KEYS: [(&str, &str); 3] = [
    ("mutations_pkey", "mutations.id"),
    ("sales_mutation_key", "sales.mutation_id"),
    ("returns_mutation_key", "returns.mutation_id"),
];

/// The answer to a write refused because its mutation id is taken: `409 mutation_conflict`,
/// the answer to a reused id within the organisation, worded so that it tells nothing about
/// who holds the id (another organisation's record stays invisible); any other error as it is.
pub fn mutation_id_taken(e: chainsync_storage::StorageError) -> ApiError {
    if MUTATION_ID_KEYS
        .iter()
        .any(|(constraint, columns)| e.is_conflict_on(constraint, columns))
    {
        ApiError::conflict(
            "mutation_conflict",
            "this mutation id was already used for different content",
        )
        .field("id")
    } else {
        e.into()
    }
}

/// The answer to a write refused by a terminal's unique receipt number (`constraint` on
/// PostgreSQL, `columns` as SQLite names them) or by a taken mutation id
/// ([`mutation_id_taken`]); any other error as it is.
pub fn receipt_number_taken(
    e: chainsync_storage::StorageError,
    constraint: &str,
    columns: &str,
) -> ApiError {
    if e.is_conflict_on(constraint, columns) {
        ApiError::conflict(
            "receipt_number_taken",
            "this terminal already used this receipt number",
        )
        .field("receipt_number")
    } else {
        mutation_id_taken(e)
    }
}
