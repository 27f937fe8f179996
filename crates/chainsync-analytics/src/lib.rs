//! Forecasting and anomaly detection over plain daily series (no IO).
