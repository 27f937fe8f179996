//! The `chainsync` server: HTTP API (and, as they are built, the WebSocket hub, the web app
//! and background jobs) over the storage crate.
//!
//! Reading guide: [`cli`] parses commands and resolves [`config`]; [`server`] wires storage,
//! keys and the [`http`] router into a running server; [`demo`] and [`setup`] create data;
//! [`retail`] holds the application services (stock moves, sales) handlers call; [`imports`]
//! reads CSV files of products, stock counts and sales history (API and `chainsync import`);
//! [`security`] holds password and token handling; [`telemetry`] logs and metrics; [`web`]
//! serves the embedded web app.

pub mod cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod imports;
pub mod retail;
pub mod security;
pub mod server;
pub mod setup;
pub mod state;
pub mod telemetry;
pub mod web;
