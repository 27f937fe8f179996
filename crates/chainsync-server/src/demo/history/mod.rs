//! The demo chain's sales history: a year (by default) of sales, deliveries and stock counts
//! per store, simulated by [`simulate`] and written as real rows by [`write`].
//!
//! What is written, all in the seeding transaction (so a seeded chain is complete or absent):
//! - the category promotions the simulator ran, as real promotions with a past schedule;
//! - every basket as a `sales` row with its `sale_lines`, priced by the pricing engine
//!   (`price_sale`, with the store's tax rates and the promotions), paid by card, cash or both,
//!   numbered `<till code>-H<counter>` on the store's demo tills, each with its cost of goods;
//! - the stock ledger: opening stock and supplier deliveries (`receipt`), one `sale` movement
//!   per sale line, and counts that found losses (`count_correction`); then the on-hand
//!   projection, equal to the ledger's sum (tested).
//!
//! Not written, on purpose: outbox events (history is not news: subscribers would otherwise
//! replay a year of `sale.completed`) and mutation records (no terminal sent these sales, so
//! there is nothing to replay; the tills' `last_seq` stays 0 so a live till starts at 1).

pub mod anomalies;
pub mod calendar;
pub mod simulate;
mod write;

pub use write::{HistoryInput, HistorySummary, PlantedRow, write_history};

use chrono::NaiveDate;

/// How much history to seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Number of days, ending with `end`.
    pub days: u32,
    /// The last day of history (usually yesterday).
    pub end: NaiveDate,
}

impl HistoryOptions {
    /// The first day of history.
    pub fn start(&self) -> NaiveDate {
        self.end - chrono::Duration::days(i64::from(self.days.max(1)) - 1)
    }
}

/// The planted anomalies as CSV with real dates: `date,store,product_id,sku,kind`.
pub fn anomalies_csv(planted: &[PlantedRow]) -> String {
    let mut out = String::from("date,store,product_id,sku,kind\n");
    for p in planted {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            p.date,
            p.store,
            p.product_id,
            p.sku,
            p.kind.as_str()
        ));
    }
    out
}
