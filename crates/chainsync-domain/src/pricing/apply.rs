//! Which promotion reduces which line, and by how much.
//!
//! The rule (documented for users in `docs/pricing.md`):
//! - Promotions **do not stack**: a line gets at most one promotion.
//! - Active promotions are tried in order of priority (higher first; ties by smaller id, then
//!   by position in the list). Each claims the lines in its scope that no earlier promotion
//!   claimed **and that it actually reduces**, so a buy-3 deal that does not trigger leaves its
//!   lines to a lower-priority 10 % off.
//! - Buy-X-get-Y pools the pieces of every unclaimed each-unit line in scope, sorts them by
//!   unit price (dearest first; ties by line order) and cuts them into groups of X + Y: in
//!   every complete group the last Y (the cheapest) get the discount. Every line with a piece
//!   in a complete group is claimed, including lines whose pieces were all "bought", so the
//!   same piece never earns two deals. Pieces in an incomplete last group earn nothing.
//!
//! Manual and cart discounts are applied after this, by the engine.

use super::arith::{div_round, narrow, percent_of};
use super::cart::{CartLine, SaleUnit};
use super::promotion::{Promotion, PromotionRule};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A line's promotion: the index of the promotion in the context and the amount it takes off
/// (zero for a line that only "bought" pieces of a buy-X-get-Y).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Claim {
    pub promotion: usize,
    pub amount: i64,
}

pub(super) fn claims(
    lines: &[CartLine],
    gross: &[i64],
    promotions: &[Promotion],
    at: DateTime<Utc>,
    tz: Tz,
) -> Vec<Option<Claim>> {
    let mut order: Vec<usize> = (0..promotions.len())
        .filter(|&p| promotions[p].schedule.is_active(at, tz))
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&promotions[a], &promotions[b]);
        pb.priority
            .cmp(&pa.priority)
            .then(pa.id.cmp(&pb.id))
            .then(a.cmp(&b))
    });
    let mut claimed: Vec<Option<Claim>> = vec![None; lines.len()];
    for p in order {
        let promo = &promotions[p];
        let open: Vec<usize> = (0..lines.len())
            .filter(|&i| claimed[i].is_none() && promo.scope.covers(&lines[i]))
            .collect();
        let amounts: Vec<(usize, i64)> = match promo.rule {
            PromotionRule::Percentage { percent_bps } => open
                .into_iter()
                .map(|i| (i, percent_of(gross[i], percent_bps)))
                .filter(|&(_, a)| a > 0)
                .collect(),
            PromotionRule::FixedAmount { amount_minor } => open
                .into_iter()
                .map(|i| (i, fixed_off(&lines[i], amount_minor).min(gross[i])))
                .filter(|&(_, a)| a > 0)
                .collect(),
            PromotionRule::BuyXGetY {
                buy_quantity,
                get_quantity,
                get_percent_bps,
            } => {
                let each: Vec<usize> = open
                    .into_iter()
                    .filter(|&i| lines[i].unit == SaleUnit::Each)
                    .collect();
                buy_x_get_y(lines, &each, buy_quantity, get_quantity, get_percent_bps)
            }
        };
        for (i, amount) in amounts {
            claimed[i] = Some(Claim {
                promotion: p,
                amount,
            });
        }
    }
    claimed
}

/// A fixed amount off each piece, or off each whole unit of a weighed line (pro rata).
fn fixed_off(line: &CartLine, amount: i64) -> i64 {
    let raw = i128::from(amount) * i128::from(line.quantity);
    narrow(match line.unit {
        SaleUnit::Each => raw,
        SaleUnit::Weighed => div_round(raw, 1_000),
    })
}

/// Lines taking part in a complete group, with the discount on their "get" pieces.
fn buy_x_get_y(
    lines: &[CartLine],
    candidates: &[usize],
    buy: u32,
    get: u32,
    bps: u32,
) -> Vec<(usize, i64)> {
    let mut sorted = candidates.to_vec();
    sorted.sort_by(|&a, &b| {
        lines[b]
            .unit_price_minor
            .cmp(&lines[a].unit_price_minor)
            .then(a.cmp(&b))
    });
    let (buy, get) = (i128::from(buy), i128::from(get));
    let group = buy + get;
    let units: i128 = sorted.iter().map(|&i| i128::from(lines[i].quantity)).sum();
    let covered = units / group * group;
    // Discounted positions among the first `n` of the sorted pieces.
    let discounted_before = |n: i128| {
        let n = n.min(covered);
        n / group * get + (n % group - buy).max(0)
    };
    let mut out = Vec::new();
    let mut start: i128 = 0;
    for i in sorted {
        if start >= covered {
            break;
        }
        let q = i128::from(lines[i].quantity);
        let free = discounted_before(start + q) - discounted_before(start);
        out.push((
            i,
            percent_of(narrow(free * i128::from(lines[i].unit_price_minor)), bps),
        ));
        start += q;
    }
    out.sort_unstable();
    out
}
