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
    raise_alerts(conn, movement, &outcome).await?;
    Ok(outcome)
}

/// Records several movements at once (a sale's lines: two statements whatever their number,
/// see [`stock::record_movements`]) and raises the alerts each causes, as [`move_stock`] called
/// once per movement would.
pub async fn move_stocks(
    conn: &mut Conn,
    movements: &[NewMovement],
) -> StorageResult<Vec<MovementOutcome>> {
    let outcomes = stock::record_movements(conn, movements).await?;
    for (movement, outcome) in movements.iter().zip(&outcomes) {
        raise_alerts(conn, movement, outcome).await?;
    }
    Ok(outcomes)
}

async fn raise_alerts(
    conn: &mut Conn,
    movement: &NewMovement,
    outcome: &MovementOutcome,
) -> StorageResult<()> {
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
    Ok(())
}
