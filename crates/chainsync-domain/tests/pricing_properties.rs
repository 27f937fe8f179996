//! Properties of the pricing engine over random carts, promotions and stores: the sums that
//! must hold exactly whatever the input, because receipts, tax returns and refunds rely on
//! them.

use chainsync_domain::money::Currency;
use chainsync_domain::pricing::{
    AppliedDiscount, Cart, CartLine, CashRounding, ManualDiscount, Payment, PricedCart,
    PricingContext, Promotion, PromotionRule, PromotionScope, SaleUnit, Schedule, StoreTimezone,
    TaxConfig, price_cart, settle,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

const CLASSES: [&str; 3] = ["standard", "reduced", "zero"];

fn product(n: u8) -> Uuid {
    Uuid::from_u128(0xa000_0000_0000_0000_0000_0000_0000_0000 | u128::from(n))
}

fn category(n: u8) -> Uuid {
    Uuid::from_u128(0xc000_0000_0000_0000_0000_0000_0000_0000 | u128::from(n))
}

fn discount() -> impl Strategy<Value = Option<ManualDiscount>> {
    prop_oneof![
        2 => Just(None),
        1 => (0u32..=10_000).prop_map(|percent_bps| Some(ManualDiscount::Percent { percent_bps })),
        // An amount as a share of the line, so it is always valid.
        1 => (0i64..=100).prop_map(|share| Some(ManualDiscount::Amount { amount_minor: share })),
    ]
}

fn line() -> impl Strategy<Value = CartLine> {
    (
        0u8..5,
        prop::option::of(0u8..3),
        any::<bool>(),
        1i64..60,
        0i64..20_000,
        0usize..3,
        discount(),
    )
        .prop_map(|(p, c, weighed, q, price, class, discount)| {
            let (unit, quantity) = if weighed {
                (SaleUnit::Weighed, q * 97)
            } else {
                (SaleUnit::Each, q)
            };
            let mut line = CartLine {
                product_id: product(p),
                category_id: c.map(category),
                unit,
                quantity,
                unit_price_minor: price,
                tax_class: CLASSES[class].to_owned(),
                discount,
            };
            // Turn the generated share (0–100 %) into an amount within the line's gross.
            if let Some(ManualDiscount::Amount {
                amount_minor: share,
            }) = line.discount
            {
                let gross = priced_gross(&line);
                line.discount = Some(ManualDiscount::Amount {
                    amount_minor: gross * share / 100,
                });
            }
            line
        })
}

/// The line's gross as the engine must compute it, written independently.
fn priced_gross(line: &CartLine) -> i64 {
    match line.unit {
        SaleUnit::Each => line.quantity * line.unit_price_minor,
        SaleUnit::Weighed => (line.quantity * line.unit_price_minor + 500) / 1000,
    }
}

fn promotion() -> impl Strategy<Value = Promotion> {
    let rule = prop_oneof![
        (1u32..=10_000).prop_map(|percent_bps| PromotionRule::Percentage { percent_bps }),
        (1i64..5_000).prop_map(|amount_minor| PromotionRule::FixedAmount { amount_minor }),
        (1u32..4, 1u32..3, 1u32..=10_000).prop_map(|(b, g, bps)| PromotionRule::BuyXGetY {
            buy_quantity: b,
            get_quantity: g,
            get_percent_bps: bps,
        }),
    ];
    let scope = prop_oneof![
        Just(PromotionScope::All),
        prop::collection::vec(0u8..5, 1..3).prop_map(|ps| PromotionScope::Product {
            product_ids: ps.into_iter().map(product).collect()
        }),
        prop::collection::vec(0u8..3, 1..3).prop_map(|cs| PromotionScope::Category {
            category_ids: cs.into_iter().map(category).collect()
        }),
    ];
    (1u8..=255, -3i32..3, rule, scope).prop_map(|(id, priority, rule, scope)| Promotion {
        id: Uuid::from_u128(0xe000_0000_0000_0000_0000_0000_0000_0000 | u128::from(id)),
        name: format!("promotion {id}"),
        priority,
        rule,
        scope,
        schedule: Schedule::default(),
    })
}

fn context() -> impl Strategy<Value = PricingContext> {
    (
        any::<bool>(),
        0u32..3_000,
        0u32..1_500,
        prop_oneof![
            Just(CashRounding::None),
            (1i64..=100).prop_map(|i| CashRounding::Nearest { increment_minor: i })
        ],
        prop::collection::vec(promotion(), 0..4),
    )
        .prop_map(
            |(inclusive, standard, reduced, cash_rounding, promotions)| PricingContext {
                currency: Currency::EUR,
                timezone: StoreTimezone(chrono_tz::Europe::Berlin),
                priced_at: "2026-03-04T10:00:00Z".parse().unwrap(),
                tax: TaxConfig {
                    prices_include_tax: inclusive,
                    rates: BTreeMap::from([
                        ("standard".to_owned(), standard),
                        ("reduced".to_owned(), reduced),
                        ("zero".to_owned(), 0),
                    ]),
                },
                cash_rounding,
                promotions,
            },
        )
}

fn cart() -> impl Strategy<Value = Cart> {
    (prop::collection::vec(line(), 1..8), prop_oneof![
        2 => Just(None),
        1 => (0u32..=10_000).prop_map(|percent_bps| Some(ManualDiscount::Percent { percent_bps })),
        1 => (0i64..=2_000).prop_map(|amount_minor| Some(ManualDiscount::Amount { amount_minor })),
    ])
        .prop_map(|(lines, cart_discount)| {
            let gross: i64 = lines.iter().map(priced_gross).sum();
            // Keep a cart amount within the cart's gross, as validation requires.
            let cart_discount = match cart_discount {
                Some(ManualDiscount::Amount { amount_minor }) => {
                    Some(ManualDiscount::Amount { amount_minor: amount_minor.min(gross) })
                }
                other => other,
            };
            Cart { lines, cart_discount, payments: Vec::new() }
        })
}

fn priced(cart: &Cart, ctx: &PricingContext) -> PricedCart {
    price_cart(cart, ctx).unwrap_or_else(|e| panic!("valid generated cart refused: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn totals_are_the_sums_of_the_lines(cart in cart(), ctx in context()) {
        let p = priced(&cart, &ctx);
        let t = p.totals;
        prop_assert_eq!(t.gross_minor, p.lines.iter().map(|l| l.gross_minor).sum::<i64>());
        prop_assert_eq!(t.discount_minor, p.lines.iter().map(|l| l.discount_minor).sum::<i64>());
        prop_assert_eq!(t.total_excl_tax_minor, p.lines.iter().map(|l| l.total_excl_tax_minor).sum::<i64>());
        prop_assert_eq!(t.tax_minor, p.lines.iter().map(|l| l.tax_minor).sum::<i64>());
        prop_assert_eq!(t.total_minor, p.lines.iter().map(|l| l.total_minor).sum::<i64>());
        prop_assert_eq!(t.total_minor, t.total_excl_tax_minor + t.tax_minor);
    }

    #[test]
    fn tax_breakdown_sums_to_the_totals(cart in cart(), ctx in context()) {
        let p = priced(&cart, &ctx);
        let rows = &p.tax_breakdown;
        prop_assert_eq!(rows.iter().map(|r| r.tax_minor).sum::<i64>(), p.totals.tax_minor);
        prop_assert_eq!(rows.iter().map(|r| r.total_minor).sum::<i64>(), p.totals.total_minor);
        prop_assert_eq!(rows.iter().map(|r| r.total_excl_tax_minor).sum::<i64>(), p.totals.total_excl_tax_minor);
        for row in rows {
            let lines = p.lines.iter().filter(|l| l.tax_rate_bps == row.rate_bps);
            prop_assert_eq!(row.tax_minor, lines.map(|l| l.tax_minor).sum::<i64>());
        }
        prop_assert!(rows.windows(2).all(|w| w[0].rate_bps < w[1].rate_bps), "rows ascending by rate");
    }

    #[test]
    fn tax_per_rate_is_within_half_a_minor_unit_of_exact(cart in cart(), ctx in context()) {
        let p = priced(&cart, &ctx);
        for row in &p.tax_breakdown {
            let r = i128::from(row.rate_bps);
            // Exact tax = base × r / d; the rounded figure may be off by at most d/2 in these units.
            let (base, d) = if p.prices_include_tax {
                (i128::from(row.total_minor), 10_000 + r)
            } else {
                (i128::from(row.total_excl_tax_minor), 10_000)
            };
            let error = (i128::from(row.tax_minor) * d - base * r).abs();
            prop_assert!(2 * error <= d, "rate {} tax {} on {}", row.rate_bps, row.tax_minor, base);
        }
    }

    #[test]
    fn no_amount_is_negative_and_no_discount_exceeds_its_line(cart in cart(), ctx in context()) {
        let p = priced(&cart, &ctx);
        for (line, input) in p.lines.iter().zip(&cart.lines) {
            prop_assert_eq!(line.gross_minor, priced_gross(input));
            prop_assert!(line.discount_minor >= 0 && line.discount_minor <= line.gross_minor);
            prop_assert!(line.tax_minor >= 0 && line.total_excl_tax_minor >= 0 && line.total_minor >= 0);
            prop_assert_eq!(line.discount_minor, line.discounts.iter().map(AppliedDiscount::amount_minor).sum::<i64>());
            prop_assert!(line.discounts.iter().all(|d| d.amount_minor() > 0), "no empty discount entries");
            let promotions = line.discounts.iter().filter(|d| matches!(d, AppliedDiscount::Promotion { .. })).count();
            prop_assert!(promotions <= 1, "promotions never stack");
            let after_discounts = line.gross_minor - line.discount_minor;
            let priced_basis = if p.prices_include_tax { line.total_minor } else { line.total_excl_tax_minor };
            prop_assert_eq!(after_discounts, priced_basis);
            prop_assert_eq!(line.total_minor, line.total_excl_tax_minor + line.tax_minor);
        }
    }

    #[test]
    fn cart_discount_is_allocated_exactly(cart in cart(), ctx in context()) {
        let p = priced(&cart, &ctx);
        let allocated: i64 = p.lines.iter().flat_map(|l| &l.discounts)
            .filter(|d| matches!(d, AppliedDiscount::Cart { .. })).map(AppliedDiscount::amount_minor).sum();
        // What the lines had left before the cart discount.
        let before: i64 = p.lines.iter().map(|l| {
            let cart_part: i64 = l.discounts.iter().filter(|d| matches!(d, AppliedDiscount::Cart { .. }))
                .map(AppliedDiscount::amount_minor).sum();
            l.gross_minor - l.discount_minor + cart_part
        }).sum();
        let wanted = match cart.cart_discount {
            None => 0,
            Some(ManualDiscount::Percent { percent_bps }) => {
                let exact = i128::from(before) * i128::from(percent_bps);
                i64::try_from((exact + 5_000) / 10_000).unwrap()
            }
            Some(ManualDiscount::Amount { amount_minor }) => amount_minor.min(before),
        };
        prop_assert_eq!(allocated, wanted);
    }

    #[test]
    fn pricing_is_deterministic(cart in cart(), ctx in context()) {
        prop_assert_eq!(priced(&cart, &ctx), priced(&cart, &ctx));
    }

    #[test]
    fn valid_split_tender_settles_with_change_only_from_cash(
        total in 1i64..1_000_000,
        card_share in 0i64..=100,
        extra in 0i64..5_000,
        increment in prop_oneof![Just(None), (1i64..=100).prop_map(Some)],
    ) {
        let rounding = increment.map_or(CashRounding::None, |i| CashRounding::Nearest { increment_minor: i });
        let card = total * card_share / 100;
        let mut payments = Vec::new();
        if card > 0 {
            payments.push(Payment::Card { amount_minor: card, reference: "AUTH".into() });
        }
        let rest = total - card;
        if rest > 0 {
            payments.push(Payment::Cash { tendered_minor: rounding.apply(rest).max(1) + extra });
        }
        let s = settle(total, &payments, rounding).unwrap();
        prop_assert_eq!(s.non_cash_minor, card);
        prop_assert!(s.change_minor >= 0);
        prop_assert_eq!(s.cash_tendered_minor - s.change_minor, s.cash_due_minor);
        prop_assert_eq!(s.amount_paid_minor, total + s.cash_rounding_minor);
        prop_assert_eq!(s.amount_paid_minor, s.non_cash_minor + s.cash_due_minor);
        let half = increment.unwrap_or(1) / 2;
        prop_assert!(s.cash_rounding_minor.abs() <= half, "rounding {} beyond half the increment", s.cash_rounding_minor);
    }

    #[test]
    fn payments_not_covering_the_total_are_refused(total in 2i64..1_000_000, short in 1i64..1_000) {
        let card = (total - short).max(1);
        prop_assume!(card < total);
        let payments = [Payment::Card { amount_minor: card, reference: "AUTH".into() }];
        let err = settle(total, &payments, CashRounding::None).unwrap_err();
        prop_assert_eq!(err.code, "payments_do_not_sum_to_total");
    }
}

/// Buy-X-get-Y written the slow, obvious way: list every piece, sort, walk the groups.
fn buy_x_get_y_by_hand(lines: &[CartLine], buy: usize, get: usize, bps: u32) -> Vec<i64> {
    let mut pieces: Vec<(i64, usize)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        for _ in 0..l.quantity {
            pieces.push((l.unit_price_minor, i));
        }
    }
    pieces.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut free = vec![0i64; lines.len()];
    for group in pieces.chunks(buy + get).filter(|g| g.len() == buy + get) {
        for &(_, i) in &group[buy..] {
            free[i] += 1;
        }
    }
    lines
        .iter()
        .zip(free)
        .map(|(l, k)| {
            let exact = i128::from(k * l.unit_price_minor) * i128::from(bps);
            i64::try_from((exact + 5_000) / 10_000).unwrap()
        })
        .collect()
}

proptest! {
    #[test]
    fn buy_x_get_y_matches_counting_piece_by_piece(
        lines in prop::collection::vec((1i64..12, 0i64..2_000), 1..6),
        buy in 1u32..4,
        get in 1u32..3,
        bps in 1u32..=10_000,
    ) {
        let cart = Cart {
            lines: lines.iter().enumerate().map(|(i, &(quantity, price))| CartLine {
                product_id: product(u8::try_from(i).unwrap()),
                category_id: None,
                unit: SaleUnit::Each,
                quantity,
                unit_price_minor: price,
                tax_class: "standard".to_owned(),
                discount: None,
            }).collect(),
            cart_discount: None,
            payments: Vec::new(),
        };
        let mut ctx = PricingContext {
            currency: Currency::EUR,
            timezone: StoreTimezone(chrono_tz::Europe::Berlin),
            priced_at: "2026-03-04T10:00:00Z".parse().unwrap(),
            tax: TaxConfig {
                prices_include_tax: true,
                rates: BTreeMap::from([("standard".to_owned(), 1_900)]),
            },
            cash_rounding: CashRounding::None,
            promotions: Vec::new(),
        };
        ctx.promotions.push(Promotion {
            id: Uuid::nil(),
            name: "deal".into(),
            priority: 0,
            rule: PromotionRule::BuyXGetY { buy_quantity: buy, get_quantity: get, get_percent_bps: bps },
            scope: PromotionScope::All,
            schedule: Schedule::default(),
        });
        let p = priced(&cart, &ctx);
        let got: Vec<i64> = p.lines.iter().map(|l| l.discount_minor).collect();
        let buy = usize::try_from(buy).unwrap();
        let get = usize::try_from(get).unwrap();
        prop_assert_eq!(got, buy_x_get_y_by_hand(&cart.lines, buy, get, bps));
    }
}
