//! Moving stock: the one function every stock change goes through, so that the ledger, the
//! projection and the alerts can never disagree.
//!
//! Events raised (in the same transaction): `stock.below_reorder_point` when an item crosses
//! its reorder point downwards, and `stock.oversold` when it goes below zero.

use chainsync_domain::stock::crossed_reorder_point;
use chainsync_storage::batch::Batch;
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
    let mut batch = Batch::new();
    let outcomes = move_stocks_queued(conn, movements, &mut batch).await?;
    batch.execute(conn).await?;
    Ok(outcomes)
}

/// [`move_stocks`] with the ledger rows and alerts queued in `batch` (see
/// [`stock::record_movements_queued`]): the caller executes it in the same transaction.
pub async fn move_stocks_queued(
    conn: &mut Conn,
    movements: &[NewMovement],
    batch: &mut Batch,
) -> StorageResult<Vec<MovementOutcome>> {
    let outcomes = stock::record_movements_queued(conn, movements, batch).await?;
    for (movement, outcome) in movements.iter().zip(&outcomes) {
        queue_alerts(batch, movement, outcome);
    }
    Ok(outcomes)
}

async fn raise_alerts(
    conn: &mut Conn,
    movement: &NewMovement,
    outcome: &MovementOutcome,
) -> StorageResult<()> {
    let mut batch = Batch::new();
    queue_alerts(&mut batch, movement, outcome);
    batch.execute(conn).await?;
    Ok(())
}

fn queue_alerts(batch: &mut Batch, movement: &NewMovement, outcome: &MovementOutcome) {
    let payload = || {
        json!({
            "product_id": movement.product_id,
            "on_hand": outcome.after,
            "reorder_point": outcome.reorder_point,
            "movement": movement.kind.as_str(),
        })
    };
    if crossed_reorder_point(outcome.before, outcome.after, outcome.reorder_point) {
        events::push_append(
            batch,
            movement.org_id,
            Some(movement.store_id),
            "stock.below_reorder_point",
            &payload(),
            movement.recorded_at,
        );
    }
    if outcome.before >= 0 && outcome.after < 0 {
        events::push_append(
            batch,
            movement.org_id,
            Some(movement.store_id),
            "stock.oversold",
            &payload(),
            movement.recorded_at,
        );
    }
}
