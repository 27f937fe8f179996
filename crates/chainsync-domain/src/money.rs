//! Money as integers: an amount in the currency's minor units (cents) beside its ISO 4217 code.
//! Floating point never touches an amount; rounding rules live where the arithmetic happens
//! (see [`crate::pricing`]).

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Currencies we know the minor-unit exponent of. Others are refused rather than guessed,
/// because a wrong exponent silently multiplies every price by 100.
const KNOWN: &[(&str, u8)] = &[
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("HUF", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("CNY", 2),
    ("INR", 2),
    ("BRL", 2),
    ("MXN", 2),
    ("ZAR", 2),
    ("SGD", 2),
    ("HKD", 2),
    ("TRY", 2),
    ("RON", 2),
    ("BGN", 2),
    ("ISK", 0),
    ("AED", 2),
    ("SAR", 2),
    ("KWD", 3),
    ("BHD", 3),
    ("TND", 3),
];

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(code: &str) -> Result<Self, ValidationError> {
        let upper = code.trim().to_ascii_uppercase();
        if KNOWN.iter().any(|(known, _)| *known == upper) {
            let b = upper.as_bytes();
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(ValidationError::new(
                "invalid_currency",
                format!("'{code}' is not a supported ISO 4217 currency code"),
            ))
        }
    }

    pub fn code(&self) -> &str {
        // The bytes were checked to be ASCII letters in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal places of the minor unit (2 for EUR, 0 for JPY).
    pub fn exponent(&self) -> u8 {
        KNOWN
            .iter()
            .find(|(c, _)| *c == self.code())
            .map_or(2, |(_, e)| *e)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_owned()
    }
}

/// An amount of money in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_codes_are_normalised() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
    }

    #[test]
    fn unknown_codes_are_refused() {
        assert_eq!(Currency::parse("XYZ").unwrap_err().code, "invalid_currency");
        assert!(Currency::parse("EURO").is_err());
    }

    #[test]
    fn exponent_follows_the_currency() {
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::EUR.exponent(), 2);
    }
}
