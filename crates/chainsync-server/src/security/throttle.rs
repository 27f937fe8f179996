//! Login throttling, shared by every process through the database.
//!
//! Two keys per attempt: `acct:<email>` (5 failures in 15 minutes lock that email for 15
//! minutes, whether or not the account exists, so a lock reveals nothing) and `ip:<address>`
//! (30 failures in 15 minutes lock the address for 15 minutes, against password spraying).
//! A successful login clears the account key, not the address key.

use chainsync_storage::auth::ThrottlePolicy;

const MINUTE_MS: i64 = 60_000;

pub const ACCOUNT: ThrottlePolicy = ThrottlePolicy {
    max_failures: 5,
    window_ms: 15 * MINUTE_MS,
    lock_ms: 15 * MINUTE_MS,
};
pub const ADDRESS: ThrottlePolicy = ThrottlePolicy {
    max_failures: 30,
    window_ms: 15 * MINUTE_MS,
    lock_ms: 15 * MINUTE_MS,
};

pub fn account_key(email: &str) -> String {
    format!("acct:{email}")
}

pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}
