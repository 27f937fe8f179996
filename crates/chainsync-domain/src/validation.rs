//! Input newtypes that validate once, in `parse`, so the rest of the code can trust them.
//! Each error carries a stable code; the HTTP layer adds the field name.

use crate::ValidationError;
use std::fmt;

/// An email address, trimmed and lower-cased (we compare addresses case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            ValidationError::new(
                "invalid_email",
                "must be an email address like name@example.com",
            )
        };
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Password policy for passwords people choose (NIST SP 800-63B: length over composition
/// rules). The upper bound keeps hashing cost bounded.
#[derive(Debug)]
pub struct NewPassword;

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn check(password: &str, email: &str) -> Result<(), ValidationError> {
        let chars = password.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(ValidationError::new(
                "password_too_short",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "password_too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if password.trim().eq_ignore_ascii_case(email.trim()) {
            return Err(ValidationError::new(
                "password_too_weak",
                "must not be your email address",
            ));
        }
        if password
            .chars()
            .all(|c| c == password.chars().next().unwrap_or(' '))
        {
            return Err(ValidationError::new(
                "password_too_weak",
                "must not repeat one character",
            ));
        }
        Ok(())
    }
}

/// A human-readable name (organisation, store, person): trimmed, 1 to `max` characters, no
/// control characters.
pub fn name(raw: &str, max: usize) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ValidationError::new("required", "must not be empty"));
    }
    if name.chars().count() > max {
        return Err(ValidationError::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Optional free text: trimmed; empty becomes `None`.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => name(text, max).map(Some),
    }
}

/// A store code as printed on receipts: 1 to 16 of `A-Z`, `0-9`, `-`, upper-cased.
/// A phone number for lookups: a leading `+` and digits only (spaces, dashes, dots and
/// brackets are dropped), 6 to 15 digits (E.164 allows 15). Stored in this form so the same
/// number typed two ways finds the same customer.
pub fn phone(raw: &str) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(ValidationError::new(
                    "invalid_phone",
                    "must be a phone number: digits, optionally a leading +",
                ));
            }
        }
    }
    if !(6..=15).contains(&digits.len()) {
        return Err(ValidationError::new(
            "invalid_phone",
            "must have 6 to 15 digits",
        ));
    }
    Ok(format!("{plus}{digits}"))
}

/// A manager's approval PIN: 4 to 8 digits.
pub fn pin(raw: &str) -> Result<String, ValidationError> {
    if (4..=8).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_owned())
    } else {
        Err(ValidationError::new(
            "invalid_pin",
            "a PIN is 4 to 8 digits",
        ))
    }
}

pub fn store_code(raw: &str) -> Result<String, ValidationError> {
    let code = raw.trim().to_ascii_uppercase();
    let ok = (1..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(code)
    } else {
        Err(ValidationError::new(
            "invalid_store_code",
            "must be 1 to 16 letters, digits or '-'",
        ))
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country_code(raw: &str) -> Result<String, ValidationError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(ValidationError::new(
            "invalid_country",
            "must be a two-letter ISO 3166 country code",
        ))
    }
}

/// An IANA time zone name such as `Europe/Berlin`.
pub fn timezone(raw: &str) -> Result<chrono_tz::Tz, ValidationError> {
    raw.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        ValidationError::new(
            "invalid_timezone",
            "must be an IANA time zone such as Europe/Berlin",
        )
    })
}

/// A BCP 47 locale tag such as `de-DE` (shape only; the browser does the formatting).
pub fn locale(raw: &str) -> Result<String, ValidationError> {
    let tag = raw.trim();
    let ok = (2..=35).contains(&tag.len())
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok {
        Ok(tag.to_owned())
    } else {
        Err(ValidationError::new(
            "invalid_locale",
            "must be a locale tag such as en-GB",
        ))
    }
}

/// A tax rate in basis points (1 bp = 0.01 %): 0 to 10,000 (100 %).
pub fn tax_rate_bp(bp: i64) -> Result<i32, ValidationError> {
    if (0..=10_000).contains(&bp) {
        Ok(bp as i32)
    } else {
        Err(ValidationError::new(
            "invalid_tax_rate",
            "must be between 0 and 10000 basis points",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "@x.com",
            "ada@",
            "ada@@x.com",
            "a da@x.com",
            "ada@.x",
            "ada@x..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn short_or_trivial_passwords_are_refused() {
        assert_eq!(
            NewPassword::check("short", "a@b.c").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            NewPassword::check("aaaaaaaaaaaa", "a@b.c")
                .unwrap_err()
                .code,
            "password_too_weak"
        );
        assert_eq!(
            NewPassword::check("ada@example.com", "ada@example.com")
                .unwrap_err()
                .code,
            "password_too_weak"
        );
        assert!(NewPassword::check("correct horse battery", "a@b.c").is_ok());
    }

    #[test]
    fn store_codes_are_upper_cased_and_bounded() {
        assert_eq!(store_code("ber-1").unwrap(), "BER-1");
        assert!(store_code("").is_err());
        assert!(store_code("WAY-TOO-LONG-STORE-CODE").is_err());
        assert!(store_code("B 1").is_err());
    }

    #[test]
    fn tax_rates_are_bounded() {
        assert_eq!(tax_rate_bp(1900).unwrap(), 1900);
        assert!(tax_rate_bp(-1).is_err());
        assert!(tax_rate_bp(10_001).is_err());
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert!(timezone("Europe/Berlin").is_ok());
        assert!(timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn phones_are_normalised_for_lookup() {
        assert_eq!(phone(" +49 (30) 123-45.6 ").unwrap(), "+4930123456");
        assert_eq!(phone("030 1234567").unwrap(), "0301234567");
        assert!(phone("12345").is_err());
        assert!(phone("+1234567890123456").is_err());
        assert!(phone("call me").is_err());
        assert!(phone("+49 30 12x4567").is_err());
    }

    #[test]
    fn pins_are_four_to_eight_digits() {
        assert!(pin("1234").is_ok());
        assert!(pin("12345678").is_ok());
        assert!(pin("123").is_err());
        assert!(pin("123456789").is_err());
        assert!(pin("12a4").is_err());
    }
}
