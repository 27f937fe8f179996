//! Integer arithmetic of the pricing engine: the one rounding rule and the one allocation rule.
//!
//! Terms:
//! - **Round half away from zero**: 2.5 → 3, −2.5 → −3. It is the "commercial rounding" that
//!   tax authorities and customers expect, and it is symmetric for refunds.
//! - **Largest remainder**: split an integer total over weights so the parts sum exactly to the
//!   total; each part is the floor of its exact share, and the units left over go one each to
//!   the parts with the largest fractional remainders (ties: lowest index first).
//!
//! Invariants: no floating point; intermediates are `i128` so `amount × quantity × basis
//! points` cannot overflow for any amount the validator accepts.

/// `n / d` rounded half away from zero. `d` must be positive.
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0, "divisor must be positive");
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

/// `amount × bps / 10 000`, rounded half away from zero: a percentage of an amount.
pub(crate) fn percent_of(amount: i64, bps: u32) -> i64 {
    narrow(div_round(i128::from(amount) * i128::from(bps), 10_000))
}

/// Converts an intermediate back to a wire amount. The validator bounds every input so that
/// results fit; saturating keeps a bug from turning into a panic in a request handler.
pub(crate) fn narrow(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Splits `total` over `weights` by largest remainder. Parts sum exactly to `total`, and no
/// part exceeds its weight when `0 <= total <= sum(weights)`. With all weights zero every part
/// is zero (callers never ask to allocate a positive total over nothing).
pub(crate) fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum <= 0 || total == 0 {
        return vec![0; weights.len()];
    }
    let total = i128::from(total);
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total * i128::from(*w);
        parts.push(exact.div_euclid(sum));
        remainders.push((exact.rem_euclid(sum), i));
    }
    let mut left = total - parts.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left <= 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts.into_iter().map(narrow).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(7, 3), 2);
        assert_eq!(div_round(-7, 3), -2);
        assert_eq!(div_round(0, 7), 0);
    }

    #[test]
    fn percent_of_rounds_the_half_cent_up() {
        // 10% of 1.25 is 0.125 → 0.13
        assert_eq!(percent_of(125, 1_000), 13);
    }

    #[test]
    fn allocation_gives_leftover_cents_to_largest_remainders() {
        // 100 over 1:1:1 → 33.33 each; one cent left goes to the first (tie → lowest index).
        assert_eq!(allocate(100, &[1, 1, 1]), vec![34, 33, 33]);
        // 10 over 1:2:7 is exact.
        assert_eq!(allocate(10, &[1, 2, 7]), vec![1, 2, 7]);
        // 5 over 3:3:4 → 1.5, 1.5, 2.0: one cent left; the two halves tie and index 0 wins.
        assert_eq!(allocate(5, &[3, 3, 4]), vec![2, 1, 2]);
    }

    #[test]
    fn allocation_over_zero_weights_is_zero() {
        assert_eq!(allocate(0, &[0, 0]), vec![0, 0]);
    }

    proptest::proptest! {
        #[test]
        fn allocation_is_exact_bounded_and_fair(
            weights in proptest::collection::vec(0i64..1_000_000, 1..20),
            share in 0u32..=10_000,
        ) {
            let sum: i64 = weights.iter().sum();
            let total = percent_of(sum, share);
            let parts = allocate(total, &weights);
            proptest::prop_assert_eq!(parts.iter().sum::<i64>(), total);
            for (part, w) in parts.iter().zip(&weights) {
                proptest::prop_assert!(*part >= 0 && part <= w);
                // Within one minor unit of the exact share total × w / sum.
                if sum > 0 {
                    let exact = i128::from(total) * i128::from(*w);
                    let scaled = i128::from(*part) * i128::from(sum);
                    proptest::prop_assert!((scaled - exact).abs() < i128::from(sum));
                }
            }
        }
    }
}
