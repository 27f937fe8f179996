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

/// Parses an amount written in major units (`12.34`, `-0.5`, `1234`) into minor units with
/// `exponent` decimals. At most `exponent` decimals; no thousands separators, no signs other
/// than a leading `-`, no exponents: what a spreadsheet exports as a plain number.
pub fn parse_major(text: &str, exponent: u8) -> Result<i64, ValidationError> {
    let bad = || {
        ValidationError::new(
            "invalid_amount",
            format!("'{text}' is not an amount with at most {exponent} decimals (like 12.34)"),
        )
    };
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !plain(whole)
        || !plain(fraction)
        || fraction.len() > usize::from(exponent)
        || (digits.contains('.') && fraction.is_empty())
        || whole.len() > 15
    {
        return Err(bad());
    }
    let scale = 10_i64.pow(u32::from(exponent));
    let padded = format!("{fraction:0<width$}", width = usize::from(exponent));
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| bad())?
    };
    let value = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)?;
    Ok(if negative { -value } else { value })
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

    #[test]
    fn major_units_parse_exactly() {
        assert_eq!(parse_major("12.34", 2).unwrap(), 1234);
        assert_eq!(parse_major("2.5", 2).unwrap(), 250);
        assert_eq!(parse_major("7", 2).unwrap(), 700);
        assert_eq!(parse_major("-0.05", 2).unwrap(), -5);
        assert_eq!(parse_major("1234", 0).unwrap(), 1234);
        for bad in [
            "",
            "1.234",
            "1,50",
            "1e3",
            "12.",
            ".5",
            "+1",
            "abc",
            "1 000",
            "99999999999999999",
        ] {
            assert_eq!(
                parse_major(bad, 2).unwrap_err().code,
                "invalid_amount",
                "{bad}"
            );
        }
        assert!(parse_major("1.5", 0).is_err());
    }
}
