//! Cart pricing engine: promotions, tax and rounding (see docs/pricing.md).
