//! ChainSync's domain: the types and rules of a retail chain, free of HTTP and databases.
//!
//! Everything here is pure and deterministic so it can be tested in isolation and shared by
//! the server, the storage layer and the command-line tools.
//!
//! Reading guide:
//! - [`ids`]: UUIDv7 identifiers, one newtype per aggregate so they cannot be mixed up.
//! - [`money`]: integer minor units with an ISO 4217 currency beside them.
//! - [`validation`]: newtypes that validate in `parse` (email, password, store code, ...).
//! - [`access`]: roles and the rules of who may do what.
//! - [`catalog`]: SKUs, barcodes, prices, search terms.
//! - [`error`]: the validation error every layer maps to a field-naming 422.
//! - [`forecasting`]: forecast query bounds, incremental training, live accuracy, degradation, schedule.
//! - [`pricing`]: the cart pricing engine (promotions, tax, rounding).
//! - [`stock`]: the stock ledger rules (movement kinds, costing, counts, reorder alerts).
//! - [`reports`]: report periods in a store's calendar, ISO weeks, margins and averages.
//! - [`returns`]: what a sale line can still refund; refund tender rules.
//! - [`loyalty`]: earning, redeeming and reversing points.
//! - [`shift`]: the Z report (expected vs counted cash).
//! - [`realtime`]: live events (types, priorities, channels, who may subscribe) and notification preferences.

pub mod access;
pub mod catalog;
pub mod error;
pub mod forecasting;
pub mod ids;
pub mod loyalty;
pub mod money;
pub mod pricing;
pub mod realtime;
pub mod reports;
pub mod returns;
pub mod shift;
pub mod stock;
pub mod validation;

pub use error::ValidationError;
