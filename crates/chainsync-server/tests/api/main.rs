//! Black-box API tests: a real server per test on a fresh database, on SQLite and (when
//! configured) PostgreSQL.

mod support;

mod access;
mod accounts;
mod auth;
mod bad_input;
mod catalog;
mod demo;
mod demo_history;
mod forecasts;
mod imports;
mod promotions;
mod realtime;
mod reports;
mod retail_ops;
mod sales;
mod spec;
mod stock;
mod store_day;
mod web;
