//! Moving goods between stores and receiving them from suppliers, through the stock ledger.
//!
//! Transfers: dispatch takes the goods out of the sending store (`transfer_out`, valued at its
//! average cost, which the line keeps); receipt puts what arrived into the receiving store
//! (`transfer_in` at that same cost, so value travels with the goods). A shortfall stays on
//! the line (`quantity_sent − quantity_received`) and raises `transfer.discrepancy`; the
//! missing units left the sender and never reached the receiver, so they are lost in transit
//! and show as such in both stores' ledgers. Receiving more than was sent is refused.
//!
//! Purchase orders: each receipt adds a `receipt` movement at the line's unit cost (blending
//! into the average cost) and raises the line's received quantity; more than ordered is
//! refused; the order's status follows its lines.

use chainsync_domain::ids::{OrgId, ProductId, StoreId, UserId};
use chainsync_domain::stock::MovementKind;
use chainsync_storage::stock::NewMovement;

/// A ledger movement for a transfer or a receipt.
#[allow(clippy::too_many_arguments)]
pub fn movement(
    org: OrgId,
    store: StoreId,
    product: ProductId,
    kind: MovementKind,
    quantity: i64,
    unit_cost: Option<i64>,
    reference: (&str, String),
    user: UserId,
    now: i64,
) -> NewMovement {
    NewMovement {
        org_id: org,
        store_id: store,
        product_id: product,
        kind,
        quantity,
        reason: None,
        reference: Some((reference.0.to_owned(), reference.1)),
        unit_cost_minor: unit_cost,
        user_id: Some(user),
        occurred_at: now,
        recorded_at: now,
    }
}

/// A purchase order's status from its lines (`cancelled` is set explicitly, never derived).
pub fn po_status(lines: &[(i64, i64)]) -> &'static str {
    let received: i64 = lines.iter().map(|(_, r)| *r).sum();
    if lines.iter().all(|(ordered, r)| r >= ordered) {
        "received"
    } else if received > 0 {
        "partially_received"
    } else {
        "open"
    }
}

#[cfg(test)]
mod tests {
    use super::po_status;

    #[test]
    fn status_follows_the_lines() {
        assert_eq!(po_status(&[(10, 0), (5, 0)]), "open");
        assert_eq!(po_status(&[(10, 4), (5, 0)]), "partially_received");
        assert_eq!(po_status(&[(10, 10), (5, 5)]), "received");
    }
}
