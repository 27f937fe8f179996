//! Catalog rules: SKUs, barcodes (GTIN check digits), prices, and the search terms a product is
//! found by.
//!
//! Search works on words, not substrings, so that it can use an index on both databases: a
//! product's terms are the lower-cased words of its name and brand, its whole SKU and each whole
//! barcode; a query matches a product when every query word is a prefix of one of its terms
//! ("coca 0.5" finds "Coca-Cola Zero 0.5 l"; "4006" finds barcode 4006381333931).

use crate::ValidationError;
use std::collections::BTreeSet;

/// Highest accepted price or cost, in minor units (10 billion in major units): far above any
/// retail price, far below where sums over a year could overflow.
pub const MAX_PRICE_MINOR: i64 = 1_000_000_000_000;

/// A SKU: 1 to 64 of `A-Z a-z 0-9 . _ - /`, kept as typed (compared case-insensitively in search).
pub fn sku(raw: &str) -> Result<String, ValidationError> {
    let sku = raw.trim();
    let ok = (1..=64).contains(&sku.len())
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
    if ok {
        Ok(sku.to_owned())
    } else {
        Err(ValidationError::new(
            "invalid_sku",
            "a SKU is 1 to 64 letters, digits or . _ - /",
        ))
    }
}

/// A barcode. All-digit codes of GTIN length (8, 12, 13, 14: EAN-8, UPC-A, EAN-13, GTIN-14) must
/// carry a correct check digit, which catches almost every mistyped or misread code; other codes
/// (in-store labels, Code 128) are 1 to 32 letters, digits or `-`.
pub fn barcode(raw: &str) -> Result<String, ValidationError> {
    let code = raw.trim();
    if code.is_empty()
        || code.len() > 32
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ValidationError::new(
            "invalid_barcode",
            "a barcode is 1 to 32 letters, digits or '-'",
        ));
    }
    let gtin_length = matches!(code.len(), 8 | 12 | 13 | 14);
    if gtin_length && code.bytes().all(|b| b.is_ascii_digit()) && !gtin_check_digit_ok(code) {
        return Err(ValidationError::new(
            "invalid_barcode",
            "the GTIN check digit is wrong (mistyped or misread?)",
        ));
    }
    Ok(code.to_owned())
}

/// GS1 check digit: weights 3 and 1 alternate from the right, excluding the check digit.
fn gtin_check_digit_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// A price or cost in minor units: 0 to [`MAX_PRICE_MINOR`].
pub fn amount_minor(value: i64) -> Result<i64, ValidationError> {
    if (0..=MAX_PRICE_MINOR).contains(&value) {
        Ok(value)
    } else {
        Err(ValidationError::new(
            "invalid_amount",
            format!("must be between 0 and {MAX_PRICE_MINOR} minor units"),
        ))
    }
}

/// A tax class name: 1 to 32 of `a-z 0-9 _`.
pub fn tax_class(raw: &str) -> Result<String, ValidationError> {
    let class = raw.trim();
    let ok = (1..=32).contains(&class.len())
        && class
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(class.to_owned())
    } else {
        Err(ValidationError::new(
            "invalid_tax_class",
            "tax classes are 1 to 32 of a-z, 0-9, _",
        ))
    }
}

/// Splits text into lower-cased words (letters and digits; `.` and `,` inside numbers kept, so
/// "0.5" stays one word).
pub fn words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let numeric_separator = matches!(c, '.' | ',')
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || numeric_separator {
            current.push(c);
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The terms a product is found by (at most 64 characters each).
pub fn search_terms(
    name: &str,
    brand: Option<&str>,
    sku: &str,
    barcodes: &[String],
) -> BTreeSet<String> {
    let mut terms: BTreeSet<String> = words(name)
        .into_iter()
        .chain(brand.map(words).unwrap_or_default())
        .collect();
    terms.insert(sku.to_lowercase());
    terms.extend(words(sku));
    terms.extend(barcodes.iter().map(|b| b.to_lowercase()));
    terms
        .into_iter()
        .map(|t| t.chars().take(64).collect())
        .filter(|t: &String| !t.is_empty())
        .collect()
}

/// The words of a search query, at most 8 (more adds nothing but cost).
pub fn query_words(query: &str) -> Vec<String> {
    let mut words = words(query);
    words.truncate(8);
    words
        .into_iter()
        .map(|w| w.chars().take(64).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_gtins_pass_and_mistyped_ones_fail() {
        assert!(barcode("4006381333931").is_ok()); // EAN-13
        assert!(barcode("96385074").is_ok()); // EAN-8
        assert!(barcode("036000291452").is_ok()); // UPC-A
        assert_eq!(
            barcode("4006381333932").unwrap_err().code,
            "invalid_barcode"
        );
        assert!(
            barcode("STORE-0042").is_ok(),
            "in-store codes have no check digit"
        );
        assert!(barcode("").is_err() && barcode("has space").is_err());
    }

    #[test]
    fn skus_are_bounded_and_plain() {
        assert_eq!(sku(" TSHIRT-M/RED ").unwrap(), "TSHIRT-M/RED");
        assert!(sku("").is_err() && sku("a b").is_err() && sku(&"x".repeat(65)).is_err());
    }

    #[test]
    fn words_keep_decimal_numbers_whole() {
        assert_eq!(
            words("Coca-Cola Zero 0.5 l"),
            ["coca", "cola", "zero", "0.5", "l"]
        );
        assert_eq!(words("Käse, 1,5 kg."), ["käse", "1,5", "kg"]);
    }

    #[test]
    fn terms_cover_name_brand_sku_and_barcodes() {
        let terms = search_terms(
            "Bio Milch 3.8%",
            Some("Weihenstephan"),
            "MILK-38",
            &["4006381333931".into()],
        );
        for expected in [
            "bio",
            "milch",
            "3.8",
            "weihenstephan",
            "milk-38",
            "milk",
            "38",
            "4006381333931",
        ] {
            assert!(
                terms.contains(expected),
                "{expected} missing from {terms:?}"
            );
        }
    }

    #[test]
    fn amounts_are_bounded() {
        assert!(amount_minor(0).is_ok() && amount_minor(MAX_PRICE_MINOR).is_ok());
        assert!(amount_minor(-1).is_err() && amount_minor(MAX_PRICE_MINOR + 1).is_err());
    }
}
