//! Application services: the operations the HTTP handlers (and, later, offline sync) call,
//! each a unit of work inside a caller's transaction that applies the domain rules, writes
//! through storage, and appends the domain events others must hear about.

pub mod approval;
pub mod mutation;
pub mod pricing_cache;
pub mod returns;
pub mod sales;
pub mod shifts;
pub mod stock;
pub mod transfers;
