//! Make item forecasts add up to their store and category totals.
//!
//! Method (documented in docs/ai-models.md):
//! 1. For every group (a store, or a category across stores) and every day, the reconciled
//!    total is `w·S + (1 − w)·B`, with `S` the group's own forecast and `B` the sum of its
//!    items' forecasts. The engine picks `w` per group from backtests (see
//!    `engine::own_share`): `w = 0` is bottom-up (items untouched), `w = ½` is WLS with
//!    structural scaling (Athanasopoulos et al. 2017) for a two-level tree, `w = 1` is
//!    top-down.
//! 2. Items are scaled in proportion to their own forecasts to meet those totals
//!    (iterative proportional fitting, alternating categories and stores). Proportional
//!    scaling keeps zero forecasts at zero and never produces a negative one, which an
//!    additive (OLS/MinT) adjustment would on mostly-zero items.
//!
//! Invariant after [`reconcile`]: each store group's items sum to its reconciled total
//! (exactly, up to rounding); category totals hold to IPF's convergence.

/// A group of items (indices into the item list) with its own forecast of the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Items in the group.
    pub members: Vec<usize>,
    /// The group's own forecast of its total, per day.
    pub total: Vec<f64>,
    /// Weight `w` of the group's own forecast in the reconciled total (0..=1).
    pub own_share: f64,
}

/// Ratios applied to each item and day, so callers can scale interval bounds alike.
pub type Ratios = Vec<Vec<f64>>;

const IPF_ROUNDS: usize = 25;

fn targets(items: &[Vec<f64>], group: &Group) -> Vec<f64> {
    (0..group.total.len())
        .map(|d| {
            let bottom_up: f64 = group.members.iter().map(|&i| items[i][d]).sum();
            group.own_share * group.total[d].max(0.0) + (1.0 - group.own_share) * bottom_up
        })
        .collect()
}

fn scale_to(items: &mut [Vec<f64>], group: &Group, target: &[f64]) {
    for (d, t) in target.iter().enumerate() {
        let sum: f64 = group.members.iter().map(|&i| items[i][d]).sum();
        if sum > 0.0 {
            let r = t / sum;
            for &i in &group.members {
                items[i][d] *= r;
            }
        }
    }
}

/// Reconciles item means in place against store groups and category groups. Returns, per
/// item and day, the ratio new/old (1 where the old value was 0).
pub fn reconcile(items: &mut [Vec<f64>], stores: &[Group], categories: &[Group]) -> Ratios {
    let before: Vec<Vec<f64>> = items.to_vec();
    let store_targets: Vec<Vec<f64>> = stores.iter().map(|g| targets(items, g)).collect();
    let mut category_targets: Vec<Vec<f64>> =
        categories.iter().map(|g| targets(items, g)).collect();
    // Both margins must describe the same grand total, or IPF cannot meet both: rescale the
    // category targets to the store targets' total over the items both cover.
    if !stores.is_empty() && !categories.is_empty() {
        let days = category_targets.first().map_or(0, Vec::len);
        for d in 0..days {
            let s: f64 = store_targets
                .iter()
                .filter(|t| t.len() > d)
                .map(|t| t[d])
                .sum();
            let c: f64 = category_targets.iter().map(|t| t[d]).sum();
            if c > 0.0 {
                for t in &mut category_targets {
                    t[d] *= s / c;
                }
            }
        }
    }
    let rounds = if categories.is_empty() || stores.is_empty() {
        1
    } else {
        IPF_ROUNDS
    };
    for _ in 0..rounds {
        for (g, t) in categories.iter().zip(&category_targets) {
            scale_to(items, g, t);
        }
        for (g, t) in stores.iter().zip(&store_targets) {
            scale_to(items, g, t);
        }
    }
    items
        .iter()
        .zip(&before)
        .map(|(now, old)| {
            now.iter()
                .zip(old)
                .map(|(n, o)| if *o > 0.0 { n / o } else { 1.0 })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_total_meets_halfway_and_items_add_up() {
        let mut items = vec![vec![10.0], vec![30.0], vec![0.0]];
        let store = Group {
            members: vec![0, 1, 2],
            total: vec![60.0],
            own_share: 0.5,
        };
        let ratios = reconcile(&mut items, &[store], &[]);
        let sum: f64 = items.iter().map(|v| v[0]).sum();
        assert!((sum - 50.0).abs() < 1e-9);
        assert!((items[0][0] - 12.5).abs() < 1e-9);
        assert_eq!(items[2][0], 0.0);
        assert!((ratios[1][0] - 1.25).abs() < 1e-9);
    }

    #[test]
    fn zero_own_share_leaves_items_alone() {
        let mut items = vec![vec![10.0, 1.0], vec![30.0, 2.0]];
        let store = Group {
            members: vec![0, 1],
            total: vec![100.0, 100.0],
            own_share: 0.0,
        };
        reconcile(&mut items, &[store], &[]);
        assert_eq!(items, vec![vec![10.0, 1.0], vec![30.0, 2.0]]);
    }

    #[test]
    fn stores_and_categories_both_add_up() {
        // Two stores × two categories.
        let mut items = vec![vec![10.0], vec![20.0], vec![30.0], vec![40.0]];
        let stores = [
            Group {
                members: vec![0, 1],
                total: vec![40.0],
                own_share: 0.5,
            },
            Group {
                members: vec![2, 3],
                total: vec![60.0],
                own_share: 0.5,
            },
        ];
        let cats = [
            Group {
                members: vec![0, 2],
                total: vec![50.0],
                own_share: 0.5,
            },
            Group {
                members: vec![1, 3],
                total: vec![50.0],
                own_share: 0.5,
            },
        ];
        reconcile(&mut items, &stores, &cats);
        assert!((items[0][0] + items[1][0] - 35.0).abs() < 1e-6);
        assert!((items[2][0] + items[3][0] - 65.0).abs() < 1e-6);
        let c1 = items[0][0] + items[2][0];
        let c2 = items[1][0] + items[3][0];
        assert!((c1 + c2 - 100.0).abs() < 1e-6);
        assert!((c1 - 45.0).abs() < 0.5, "{c1}");
        assert!(items.iter().all(|v| v[0] >= 0.0));
    }
}
