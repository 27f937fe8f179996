//! Credentials: password hashing ([`passwords`]), access tokens signed with keys every process
//! shares through the database ([`tokens`]), and login throttling ([`throttle`]).

pub mod passwords;
pub mod throttle;
pub mod tokens;
