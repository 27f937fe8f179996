//! The Z report of a shift, added up from what the shift recorded: its sales (payments and
//! settlement), its returns (refunds) and its drawer events. The arithmetic is in
//! `chainsync_domain::shift`; this module gathers the figures. Every refund counts under its
//! tender (exchange credit under `other`), so the per-tender refunds add up to the total.

use crate::http::error::{ApiError, ApiResult};
use crate::retail::returns::Refund;
use chainsync_domain::pricing::{Payment, PricedCart};
use chainsync_domain::shift::{ShiftActivity, TenderTotals, ZReport};
use chainsync_storage::Conn;
use chainsync_storage::shifts::{self, ShiftRecord};

/// The shift's Z report; `counted` is the cash counted at close (none while open).
pub async fn z_report(
    tx: &mut Conn,
    shift: &ShiftRecord,
    counted: Option<i64>,
) -> ApiResult<ZReport> {
    let mut a = ShiftActivity {
        opening_float_minor: shift.opening_float_minor,
        ..ShiftActivity::default()
    };
    let (mut cash_in, mut card_in, mut other_in) = (0, 0, 0);
    for sale in shifts::sales_of(tx, shift.id).await? {
        a.sales_count += 1;
        a.gross_sales_minor += sale.total_minor;
        a.tax_minor += sale.tax_minor;
        a.discounts_minor += sale.discount_minor;
        let priced: PricedCart = serde_json::from_str(sale.priced.as_deref().unwrap_or("null"))
            .map_err(ApiError::internal)?;
        if let Some(s) = priced.settlement {
            cash_in += s.cash_due_minor;
            a.cash_rounding_minor += s.cash_rounding_minor;
        }
        let payments: Vec<Payment> =
            serde_json::from_str(&sale.tenders).map_err(ApiError::internal)?;
        for p in payments {
            match p {
                Payment::Cash { .. } => {}
                Payment::Card { amount_minor, .. } => card_in += amount_minor,
                Payment::Other { amount_minor, .. } => other_in += amount_minor,
            }
        }
    }
    let (mut cash_out, mut card_out, mut other_out) = (0, 0, 0);
    for ret in shifts::returns_of(tx, shift.id).await? {
        a.returns_count += 1;
        a.refunds_minor += ret.total_minor;
        a.tax_minor -= ret.tax_minor;
        let refunds: Vec<Refund> =
            serde_json::from_str(&ret.tenders).map_err(ApiError::internal)?;
        for r in refunds {
            match r {
                Refund::Cash { amount_minor } => cash_out += amount_minor,
                Refund::Card { amount_minor, .. } => card_out += amount_minor,
                // Exchange credit leaves no drawer but is given back all the same: it is an
                // `other` refund, as its spending is an `other` payment, so the tenders add
                // up to `refunds_minor` and `other`'s net is what other tenders kept.
                Refund::Other { amount_minor, .. } => other_out += amount_minor,
            }
        }
    }
    a.cash = TenderTotals::new(cash_in, cash_out);
    a.card = TenderTotals::new(card_in, card_out);
    a.other = TenderTotals::new(other_in, other_out);
    for e in shifts::cash_events(tx, shift.id).await? {
        match e.kind.as_str() {
            "paid_in" => a.paid_in_minor += e.amount_minor,
            "paid_out" => a.paid_out_minor += e.amount_minor,
            _ => a.no_sale_count += 1,
        }
    }
    Ok(ZReport::from_activity(&a, counted))
}
