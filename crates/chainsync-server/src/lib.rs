//! The `chainsync` server: HTTP API, the WebSocket hub, the web app (and, as they are built,
//! background jobs) over the storage crate.
//!
//! Reading guide: [`cli`] parses commands and resolves [`config`]; [`server`] wires storage,
//! keys and the [`http`] router into a running server; [`demo`] and [`setup`] create data;
//! [`retail`] holds the application services (stock moves, sales) handlers call; [`imports`]
//! reads CSV files of products, stock counts and sales history (API and `chainsync import`);
//! [`security`] holds password and token handling; [`telemetry`] logs and metrics; [`web`]
//! serves the embedded web app; [`realtime`] is the WebSocket hub (relay, bus, fan-out);
//! [`forecasting`] trains, serves and watches demand forecasts.

pub mod cli;
pub mod config;
pub mod demo;
pub mod forecasting;
pub mod http;
pub mod imports;
pub mod net;
pub mod realtime;
pub mod retail;
pub mod security;
pub mod server;
pub mod setup;
pub mod state;
pub mod telemetry;
pub mod web;
