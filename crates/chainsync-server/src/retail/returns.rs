//! Returns, exchanges and voids: the one function that gives money back, called by the return
//! and void endpoints (and, later, offline sync), inside the caller's transaction.
//!
//! Rules, in order:
//! 1. The envelope of every terminal mutation (`mutation.rs`): idempotent, ordered per
//!    terminal; a revoked terminal's return is quarantined (202), not applied.
//! 2. **By receipt**: the sale must be in this store. Each line names the sale line and a
//!    quantity; a line can never be refunded beyond what was paid for it, tax included
//!    (`chainsync_domain::returns`), however the sale is returned in pieces. A void returns
//!    everything and is refused once anything was returned (`sale_already_voided` when that
//!    was a void, `sale_partly_returned` otherwise).
//! 3. **Tenders** (documented in `docs/retail.md`): the refunds add up to the amount due; no
//!    more goes back to card, or to `other` tenders such as loyalty points, than the sale took
//!    on them; cash always works; `other` with method `exchange` issues exchange credit that
//!    the customer's next sale spends by naming this return (an exchange). A void refunds
//!    exactly the tenders the sale took.
//! 4. **Approval**: voids, and returns whose refund exceeds the store's threshold, need a
//!    manager's approval (`approval.rs`), verified before this function runs for a mutation id
//!    not recorded yet; a replay is answered by the envelope (rule 1) without one.
//! 5. **Stock**: restocked items come back at the cost they left with; discarded items come
//!    back and go out again as a `damaged` adjustment, so shrinkage shows in the ledger.
//! 6. **Loyalty**: refunds to loyalty points give the points back first; then the points the
//!    refunded part earned are taken back, capped at the balance after that credit (never below
//!    zero).

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Session;
use crate::retail::mutation::{self, Envelope};
use crate::retail::sales::{Applied, LOYALTY_METHOD, check_receipt_number};
use crate::retail::stock::move_stocks;
use axum::http::StatusCode;
use chainsync_domain::ids::{ReturnId, ShiftId, StoreId, TerminalId, UserId};
use chainsync_domain::loyalty::points_to_reverse;
use chainsync_domain::pricing::{Payment, PricedCart};
use chainsync_domain::returns::{LineBalance, TenderPaid, check_refund_split};
use chainsync_domain::stock::{AdjustmentReason, MovementKind};
use chainsync_storage::customers::{self, PointsChange, PointsReason};
use chainsync_storage::returns::{self, ReturnLineRecord, ReturnRecord};
use chainsync_storage::sales::{self, SaleRecord};
use chainsync_storage::stock::NewMovement;
use chainsync_storage::stores::StoreRecord;
use chainsync_storage::{Conn, events, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most lines one return may carry.
pub const MAX_RETURN_LINES: usize = 500;

/// The method of `other` refunds that become exchange credit.
pub const EXCHANGE_METHOD: &str = "exchange";

/// Money going back to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Refund {
    /// From the drawer.
    Cash { amount_minor: i64 },
    /// Back to the card the sale was paid with.
    Card {
        amount_minor: i64,
        reference: String,
    },
    /// Back to another tender: `loyalty` (points), `exchange` (credit for an exchange),
    /// voucher, ...
    Other {
        amount_minor: i64,
        method: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
}

impl Refund {
    pub fn amount(&self) -> i64 {
        match self {
            Refund::Cash { amount_minor }
            | Refund::Card { amount_minor, .. }
            | Refund::Other { amount_minor, .. } => *amount_minor,
        }
    }
}

/// One line to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// The sale line (`line_no` of the sale).
    pub line_no: i64,
    pub quantity: i64,
    /// Back on the shelf (default) or discarded (booked as `damaged`).
    #[serde(default = "yes")]
    pub restock: bool,
}

fn yes() -> bool {
    true
}

/// A return as a terminal sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnMutation {
    pub id: Uuid,
    pub terminal_id: TerminalId,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// The return's own receipt number, from the terminal's counter (`BER-T1-000043`).
    pub receipt_number: String,
    /// The sale being returned (found by its receipt number with `GET .../sales?receipt_number=`).
    pub sale_id: Uuid,
    pub lines: Vec<ReturnLineInput>,
    pub refunds: Vec<Refund>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::retail::approval::Approval>,
}

/// A void as a terminal sends it: the whole sale, refunded to the tenders it was paid with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidMutation {
    pub id: Uuid,
    pub terminal_id: TerminalId,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub receipt_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Required; optional in the schema so that its absence is `403 approval_required`, the
    /// answer a till waits for to ask for a manager, as for a large return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::retail::approval::Approval>,
}

/// A recorded return or void.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReturnView {
    pub id: ReturnId,
    /// `return` or `void`.
    pub kind: String,
    pub status: String,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub mutation_id: Uuid,
    pub sale_id: Uuid,
    pub receipt_number: String,
    pub occurred_at: DateTime<Utc>,
    pub currency: String,
    /// Refunded, tax included.
    pub total_minor: i64,
    pub tax_minor: i64,
    pub cogs_minor: i64,
    pub refunds: Vec<Refund>,
    pub approved_by: Option<UserId>,
    pub shift_id: Option<ShiftId>,
    pub points_reversed: i64,
    pub reason: Option<String>,
    pub lines: Vec<ReturnLineView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReturnLineView {
    pub line_no: i64,
    pub sale_line_no: i64,
    pub product_id: chainsync_domain::ids::ProductId,
    pub quantity: i64,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub restock: bool,
}

impl ReturnView {
    pub fn from_records(r: &ReturnRecord, lines: &[ReturnLineRecord]) -> ApiResult<ReturnView> {
        Ok(ReturnView {
            id: r.id,
            kind: r.kind.clone(),
            status: "completed".into(),
            store_id: r.store_id,
            terminal_id: r.terminal_id,
            mutation_id: r.mutation_id,
            sale_id: r.sale_id,
            receipt_number: r.receipt_number.clone(),
            occurred_at: DateTime::from_timestamp_millis(r.occurred_at).unwrap_or_default(),
            currency: r.currency.clone(),
            total_minor: r.total_minor,
            tax_minor: r.tax_minor,
            cogs_minor: r.cogs_minor,
            refunds: serde_json::from_str(&r.refunds).map_err(ApiError::internal)?,
            approved_by: r.approved_by,
            shift_id: r.shift_id,
            points_reversed: r.points_reversed,
            reason: r.reason.clone(),
            lines: lines
                .iter()
                .map(|l| ReturnLineView {
                    line_no: l.line_no,
                    sale_line_no: l.sale_line_no,
                    product_id: l.product_id,
                    quantity: l.quantity,
                    total_minor: l.total_minor,
                    tax_minor: l.tax_minor,
                    restock: l.restock,
                })
                .collect(),
        })
    }
}

/// What each line of a sale can still give back.
pub async fn balances(
    tx: &mut Conn,
    sale: &SaleRecord,
) -> ApiResult<Vec<(i64, chainsync_domain::ids::ProductId, LineBalance)>> {
    let returned = returns::returned_by_line(tx, sale.id).await?;
    Ok(sales::sale_lines(tx, sale.id)
        .await?
        .into_iter()
        .map(|l| {
            let r = returned.get(&l.line_no).copied().unwrap_or_default();
            (
                l.line_no,
                l.product_id,
                LineBalance {
                    quantity: l.quantity,
                    total_minor: l.total_minor,
                    tax_minor: l.tax_minor,
                    cogs_minor: l.cogs_minor,
                    returned_quantity: r.quantity,
                    refunded_minor: r.total_minor,
                    refunded_tax_minor: r.tax_minor,
                    returned_cogs_minor: r.cogs_minor,
                },
            )
        })
        .collect())
}

/// What the sale took per tender (cash is what stayed in the drawer: tendered minus change),
/// and how much of `other` was loyalty points.
fn paid_by_tender(sale: &SaleRecord) -> ApiResult<(TenderPaid, i64)> {
    let payments: Vec<Payment> =
        serde_json::from_str(&sale.payments).map_err(ApiError::internal)?;
    let priced: PricedCart = serde_json::from_str(&sale.priced).map_err(ApiError::internal)?;
    let mut paid = TenderPaid {
        cash_minor: priced.settlement.map_or(0, |s| s.cash_due_minor),
        card_minor: 0,
        other_minor: 0,
    };
    let mut loyalty = 0;
    for p in &payments {
        match p {
            Payment::Cash { .. } => {}
            Payment::Card { amount_minor, .. } => paid.card_minor += amount_minor,
            Payment::Other {
                amount_minor,
                method,
                ..
            } => {
                paid.other_minor += amount_minor;
                if method == LOYALTY_METHOD {
                    loyalty += amount_minor;
                }
            }
        }
    }
    Ok((paid, loyalty))
}

/// Sums refunds per tender; exchange credit counts with cash (the store can always give it).
fn split(refunds: &[Refund]) -> (TenderPaid, i64, i64) {
    let mut t = TenderPaid {
        cash_minor: 0,
        card_minor: 0,
        other_minor: 0,
    };
    let (mut loyalty, mut exchange) = (0, 0);
    for r in refunds {
        match r {
            Refund::Cash { amount_minor } => t.cash_minor += amount_minor,
            Refund::Card { amount_minor, .. } => t.card_minor += amount_minor,
            Refund::Other {
                amount_minor,
                method,
                ..
            } if method == EXCHANGE_METHOD => {
                t.cash_minor += amount_minor;
                exchange += amount_minor;
            }
            Refund::Other {
                amount_minor,
                method,
                ..
            } => {
                t.other_minor += amount_minor;
                if method == LOYALTY_METHOD {
                    loyalty += amount_minor;
                }
            }
        }
    }
    (t, loyalty, exchange)
}

/// A return (or void) to apply, after the endpoint parsed it.
#[derive(Debug)]
pub struct ReturnRequest<'a> {
    pub id: Uuid,
    pub kind: &'static str,
    pub terminal_id: TerminalId,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub receipt_number: &'a str,
    pub sale_id: Uuid,
    /// `None` for a void: everything, refunded as paid.
    pub lines: Option<&'a [ReturnLineInput]>,
    pub refunds: Option<&'a [Refund]>,
    pub reason: Option<&'a str>,
    /// The canonical payload (secrets removed) for idempotency.
    pub payload: String,
    pub approver: Option<UserId>,
}

/// Applies a return or void for `store` inside `tx`. See the module header for the rules.
pub async fn apply_return(
    tx: &mut Conn,
    session: &Session,
    store: &StoreRecord,
    req: &ReturnRequest<'_>,
) -> ApiResult<Applied> {
    let org = session.user.org_id;
    let target = match mutation::open(
        tx,
        org,
        store.id,
        req.terminal_id,
        req.id,
        req.seq,
        &req.payload,
    )
    .await?
    {
        Envelope::Replay(applied) => return Ok(applied),
        Envelope::ReplayOfEffect(_) => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "a return's mutation is recorded without its answer"
            )));
        }
        Envelope::Fresh(target) => target,
    };
    let claim = target.claim;
    let terminal = target.terminal;
    check_receipt_number(req.receipt_number, &terminal.code)?;
    if !terminal.active {
        let answer = Applied {
            status: StatusCode::ACCEPTED,
            body: json!({ "id": req.id, "status": "quarantined", "kind": req.kind, "store_id": store.id, "terminal_id": terminal.id,
                "mutation_id": req.id, "seq": req.seq, "receipt_number": req.receipt_number, "reason": "terminal_revoked" }),
        };
        mutation::record(
            tx,
            org,
            claim,
            req.id,
            req.kind,
            &req.payload,
            "quarantined",
            &answer,
        )
        .await?;
        events::append(
            tx,
            org,
            Some(store.id),
            "return.quarantined",
            &json!({ "mutation_id": req.id, "terminal_id": terminal.id }),
            now_ms(),
        )
        .await?;
        return Ok(answer);
    }
    if sales::receipt_number_used(tx, terminal.id, req.receipt_number).await? {
        return Err(ApiError::conflict(
            "receipt_number_taken",
            "this terminal already used this receipt number",
        )
        .field("receipt_number"));
    }
    let sale = sales::get_sale(tx, org, store.id, req.sale_id)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_sale", "no such sale in this store").field("sale_id")
        })?;
    let balances = balances(tx, &sale).await?;
    let (paid, loyalty_paid) = paid_by_tender(&sale)?;

    // What comes back, line by line.
    let chosen: Vec<ReturnLineInput> = match req.lines {
        Some(lines) => {
            if lines.is_empty() || lines.len() > MAX_RETURN_LINES {
                return Err(ApiError::unprocessable(
                    "invalid_lines",
                    format!("a return has 1 to {MAX_RETURN_LINES} lines"),
                )
                .field("lines"));
            }
            // Only looked up when everything came back: the common return pays no query.
            if balances
                .iter()
                .all(|(_, _, b)| b.returned_quantity >= b.quantity)
                && returns::is_voided(tx, sale.id).await?
            {
                return Err(already_voided());
            }
            lines.to_vec()
        }
        None => {
            if balances.iter().any(|(_, _, b)| b.returned_quantity > 0) {
                // Only looked up when something came back: the common void pays no query.
                if returns::is_voided(tx, sale.id).await? {
                    return Err(already_voided());
                }
                return Err(ApiError::conflict(
                    "sale_partly_returned",
                    "part of this sale was already returned: return the rest instead",
                ));
            }
            balances
                .iter()
                .map(|(no, _, b)| ReturnLineInput {
                    line_no: *no,
                    quantity: b.quantity,
                    restock: true,
                })
                .collect()
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = Vec::with_capacity(chosen.len());
    for (i, input) in chosen.iter().enumerate() {
        let Some((_, product, balance)) = balances.iter().find(|(no, _, _)| *no == input.line_no)
        else {
            return Err(
                ApiError::unprocessable("unknown_sale_line", "the sale has no such line")
                    .field(format!("lines[{i}].line_no")),
            );
        };
        if !seen.insert(input.line_no) {
            return Err(ApiError::unprocessable(
                "duplicate_line",
                "each sale line may appear once",
            )
            .field(format!("lines[{i}].line_no")));
        }
        let refund = balance.refund(input.quantity).map_err(|e| {
            let field = format!(
                "lines[{i}].{}",
                e.field.clone().unwrap_or_else(|| "quantity".into())
            );
            ApiError::from(e).field(field)
        })?;
        lines.push(ReturnLineRecord {
            line_no: i as i64,
            sale_line_no: input.line_no,
            product_id: *product,
            quantity: refund.quantity,
            total_excl_tax_minor: refund.total_minor - refund.tax_minor,
            tax_minor: refund.tax_minor,
            total_minor: refund.total_minor,
            cogs_minor: refund.cogs_minor,
            restock: input.restock,
        });
    }
    let due: i64 = lines.iter().map(|l| l.total_minor).sum();

    // How it goes back.
    let refunds: Vec<Refund> = match req.refunds {
        Some(r) => r.to_vec(),
        None => void_refunds(&sale, paid)?,
    };
    if refunds.len() > 20 {
        return Err(
            ApiError::unprocessable("invalid_refund", "at most 20 refunds").field("refunds"),
        );
    }
    for (i, r) in refunds.iter().enumerate() {
        if r.amount() < 0 {
            return Err(ApiError::unprocessable(
                "invalid_refund",
                "refund amounts must not be negative",
            )
            .field(format!("refunds[{i}].amount_minor")));
        }
        let texts = match r {
            Refund::Cash { .. } => vec![],
            Refund::Card { reference, .. } => vec![reference.as_str()],
            Refund::Other {
                method, reference, ..
            } => vec![method.as_str(), reference.as_deref().unwrap_or("")],
        };
        if texts.iter().any(|t| t.chars().count() > 100) {
            return Err(ApiError::unprocessable(
                "invalid_refund",
                "methods and references have at most 100 characters",
            )
            .field(format!("refunds[{i}]")));
        }
    }
    let mut already = TenderPaid {
        cash_minor: 0,
        card_minor: 0,
        other_minor: 0,
    };
    let mut loyalty_refunded = 0;
    for earlier in returns::refunds_of_sale(tx, sale.id).await? {
        let earlier: Vec<Refund> = serde_json::from_str(&earlier).map_err(ApiError::internal)?;
        let (t, l, _) = split(&earlier);
        already.cash_minor += t.cash_minor;
        already.card_minor += t.card_minor;
        already.other_minor += t.other_minor;
        loyalty_refunded += l;
    }
    let (wanted, loyalty_back, exchange_credit) = split(&refunds);
    check_refund_split(due, wanted, paid, already).map_err(ApiError::from)?;
    if loyalty_back > loyalty_paid - loyalty_refunded {
        return Err(ApiError::unprocessable(
            "refund_exceeds_tender",
            "more would go back to loyalty points than the sale was paid with them",
        )
        .field("refunds"));
    }

    // Approval: voids always; returns above the store's threshold.
    let threshold = store.refund_approval_minor;
    if (req.kind == "void" || due > threshold) && req.approver.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "approval_required",
            format!(
                "a manager must approve this {} (refunds above {threshold} and every void)",
                req.kind
            ),
        )
        .field("approval"));
    }

    let now = now_ms();
    let occurred_at = req.occurred_at.timestamp_millis();
    let return_id = ReturnId::new();
    let reference = Some(("return".to_owned(), return_id.to_string()));
    // All lines' movements go in one batch (two statements, as a sale's): a discarded line's
    // write-off follows its return, so it sees the stock the return brought back.
    let mut movements = Vec::with_capacity(2 * lines.len());
    for line in &lines {
        // Back at the cost it left with (per unit, or per 1000 for weighed goods).
        let unit_cost = if line.quantity == 0 {
            0
        } else {
            cost_per_unit(tx, org, line).await?
        };
        let back = NewMovement {
            org_id: org,
            store_id: store.id,
            product_id: line.product_id,
            kind: MovementKind::Return,
            quantity: line.quantity,
            reason: None,
            reference: reference.clone(),
            unit_cost_minor: Some(unit_cost),
            user_id: Some(session.user.id),
            occurred_at,
            recorded_at: now,
        };
        let write_off = (!line.restock).then(|| NewMovement {
            kind: MovementKind::Adjustment,
            quantity: -line.quantity,
            reason: Some(AdjustmentReason::Damaged.as_str().to_owned()),
            unit_cost_minor: None,
            ..back.clone()
        });
        movements.push(back);
        movements.extend(write_off);
    }
    move_stocks(tx, &movements).await?;

    // Loyalty: points refunded to come back first, then what the refunded part earned is taken
    // back. In that order the cap at zero (the customer may have spent everything) applies to
    // the balance after the credit, so a refund to points never lets the customer keep the
    // points the refunded purchase earned, and the ledger never goes below zero.
    let mut points_reversed = 0;
    if let Some(customer_id) = sale.customer_id
        && let Some(customer) = customers::get(tx, org, customer_id).await?
    {
        let settings = customers::loyalty_settings(tx, org).await?;
        let points_back = points_refunded(loyalty_back, settings.redeem_minor_per_point)?;
        let change = |delta| PointsChange {
            org_id: org,
            customer_id,
            delta,
            reason: PointsReason::Return,
            reference: Some(("return", return_id.to_string())),
            user_id: Some(session.user.id),
            at: now,
        };
        if points_back > 0 {
            customers::add_points(tx, &change(points_back)).await?;
        }
        let earned_left =
            sale.points_earned - returns::points_reversed_for_sale(tx, sale.id).await?;
        points_reversed = points_to_reverse(
            earned_left,
            due,
            sale.total_minor,
            customer.points_balance + points_back,
        );
        if points_reversed > 0 {
            customers::add_points(tx, &change(-points_reversed)).await?;
        }
    }

    let shift_id = target.open_shift;
    let record = ReturnRecord {
        id: return_id,
        org_id: org,
        store_id: store.id,
        terminal_id: terminal.id,
        mutation_id: req.id,
        kind: req.kind.to_owned(),
        sale_id: sale.id,
        receipt_number: req.receipt_number.to_owned(),
        cashier_user_id: Some(session.user.id),
        approved_by: req.approver,
        shift_id,
        customer_id: sale.customer_id,
        exchange_sale_id: None,
        reason: req.reason.map(str::to_owned),
        occurred_at,
        recorded_at: now,
        currency: sale.currency.clone(),
        total_minor: due,
        tax_minor: lines.iter().map(|l| l.tax_minor).sum(),
        cogs_minor: lines.iter().map(|l| l.cogs_minor).sum(),
        points_reversed,
        refunds: serde_json::to_string(&refunds).map_err(ApiError::internal)?,
    };
    returns::insert(tx, &record, &lines).await.map_err(|e| {
        mutation::receipt_number_taken(
            e,
            "returns_terminal_receipt_key",
            "returns.terminal_id, returns.receipt_number",
        )
    })?;
    if exchange_credit > 0 {
        returns::set_exchange_credit(tx, return_id, exchange_credit).await?;
    }
    let view = ReturnView::from_records(&record, &lines)?;
    let answer = Applied {
        status: StatusCode::CREATED,
        body: serde_json::to_value(&view).map_err(ApiError::internal)?,
    };
    mutation::record(
        tx,
        org,
        claim,
        req.id,
        req.kind,
        &req.payload,
        "applied",
        &answer,
    )
    .await?;
    let kind = if req.kind == "void" {
        "sale.voided"
    } else {
        "return.completed"
    };
    events::append(
        tx,
        org,
        Some(store.id),
        kind,
        &json!({ "return_id": return_id, "sale_id": sale.id, "total_minor": due, "currency": sale.currency, "approved_by": req.approver }),
        now,
    )
    .await?;
    Ok(answer)
}

/// The answer to a return or void of a sale that was voided.
fn already_voided() -> ApiError {
    ApiError::conflict(
        "sale_already_voided",
        "this sale was already voided: nothing is left to void or return",
    )
}

/// The points `loyalty_minor` refunded to loyalty buys back; 422 unless it is whole points.
fn points_refunded(loyalty_minor: i64, redeem_minor_per_point: i64) -> ApiResult<i64> {
    let per_point = redeem_minor_per_point.max(1);
    if loyalty_minor % per_point != 0 {
        return Err(ApiError::unprocessable(
            "invalid_refund",
            format!("loyalty refunds are whole points of {per_point}"),
        )
        .field("refunds"));
    }
    Ok(loyalty_minor / per_point)
}

/// The refunds of a void: exactly what the sale took, per tender.
fn void_refunds(sale: &SaleRecord, paid: TenderPaid) -> ApiResult<Vec<Refund>> {
    let payments: Vec<Payment> =
        serde_json::from_str(&sale.payments).map_err(ApiError::internal)?;
    let mut refunds = Vec::new();
    if paid.cash_minor > 0 {
        refunds.push(Refund::Cash {
            amount_minor: paid.cash_minor,
        });
    }
    for p in payments {
        match p {
            Payment::Cash { .. } => {}
            Payment::Card {
                amount_minor,
                reference,
            } => refunds.push(Refund::Card {
                amount_minor,
                reference,
            }),
            Payment::Other {
                amount_minor,
                method,
                reference,
            } => refunds.push(Refund::Other {
                amount_minor,
                method,
                reference,
            }),
        }
    }
    Ok(refunds)
}

/// The unit cost a returned line comes back at: its cost of goods sold per unit.
async fn cost_per_unit(
    tx: &mut Conn,
    org: chainsync_domain::ids::OrgId,
    line: &ReturnLineRecord,
) -> ApiResult<i64> {
    let weighed = chainsync_storage::catalog::get_product(tx, org, line.product_id)
        .await?
        .is_some_and(|p| p.unit == "weighed");
    let scale = if weighed { 1000 } else { 1 };
    let n = i128::from(line.cogs_minor) * scale;
    let d = i128::from(line.quantity);
    Ok(((n + d / 2) / d) as i64)
}
