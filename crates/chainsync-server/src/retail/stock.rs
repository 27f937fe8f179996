//! Moving stock: the one function every stock change goes through, so that the ledger, the
//! projection and the alerts can never disagree.
//!
//! Events raised (in the same transaction): `stock.below_reorder_point` when an item crosses
//! its reorder point downwards, and `stock.oversold` when it goes below zero.

use chainsync_domain::stock::crossed_reorder_point;
use chainsync_storage::stock::{self, MovementOutcome, NewMovement};
use chainsync_storage::{Conn, StorageResult, events};
use serde_json::json;

/// Records `movement` and raises the alerts it causes.
pub async fn move_stock(conn: &mut Conn, movement: &NewMovement) -> StorageResult<MovementOutcome> {
    let outcome = stock::record_movement(conn, movement).await?;
    let payload = || {
        json!({
            "product_id": movement.product_id,
            "on_hand": outcome.after,
            "reorder_point": outcome.reorder_point,
            "movement": movement.kind.as_str(),
        })
    };
    if crossed_reorder_point(outcome.before, outcome.after, outcome.reorder_point) {
        events::append(
            conn,
            movement.org_id,
            Some(movement.store_id),
            "stock.below_reorder_point",
            &payload(),
            movement.recorded_at,
        )
        .await?;
    }
    if outcome.before >= 0 && outcome.after < 0 {
        events::append(
            conn,
            movement.org_id,
            Some(movement.store_id),
            "stock.oversold",
            &payload(),
            movement.recorded_at,
        )
        .await?;
    }
    Ok(outcome)
}
