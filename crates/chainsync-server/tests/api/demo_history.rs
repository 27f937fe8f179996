//! The demo chain's sales history at small scale: the ledger, the sales and the planted
//! anomalies are consistent with each other and with the committed anomalies file, and the
//! same seed writes the same history.

use crate::support::{Backend, PASSWORD, on_both_backends};
use chainsync_server::demo::{self, DemoScale, HistoryOptions, history::anomalies};
use chainsync_storage::Db;
use chainsync_storage::testing::fresh_db;
use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

const DAYS: u32 = 28;

fn options() -> HistoryOptions {
    HistoryOptions {
        days: DAYS,
        end: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    }
}

async fn seeded(backend: Backend, dir: &std::path::Path) -> (Db, demo::DemoSummary) {
    let db = fresh_db(backend, dir).await;
    let summary = demo::seed_with_history(&db, 42, PASSWORD, DemoScale::Small, Some(options()))
        .await
        .expect("seed with history");
    (db, summary)
}

async fn rows(db: &Db, sql: &str) -> Vec<sqlx::any::AnyRow> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
}

async fn int(db: &Db, sql: &str) -> i64 {
    rows(db, sql).await[0].try_get::<i64, _>(0).unwrap()
}

on_both_backends!(
    the_history_keeps_ledger_sales_and_anomalies_consistent,
    the_same_seed_writes_the_same_history_once
);

async fn the_history_keeps_ledger_sales_and_anomalies_consistent(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (db, summary) = seeded(backend, dir.path()).await;
    let history = summary.history.clone().expect("history written");
    assert!(history.sales > 2_000, "{}", history.sales);

    // The ledger equals the projection in every store, and nothing is negative.
    let stores = rows(&db, "SELECT id, code, timezone FROM stores").await;
    assert_eq!(stores.len(), 5);
    for store in &stores {
        let id: String = store.try_get("id").unwrap();
        let mismatches = chainsync_storage::stock::projection_mismatches(
            &mut db.conn().await.unwrap(),
            id.parse().unwrap(),
        )
        .await
        .unwrap();
        assert!(mismatches.is_empty(), "{mismatches:?}");
    }
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM stock_levels WHERE on_hand < 0").await,
        0
    );

    // Every sale's lines sum to its total and tax; every line moved its stock.
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM sales").await,
        history.sales as i64
    );
    assert_eq!(
        int(
            &db,
            "SELECT COUNT(*) FROM sales s JOIN (SELECT sale_id, SUM(total_minor) AS t, SUM(tax_minor) AS x, SUM(cogs_minor) AS c \
             FROM sale_lines GROUP BY sale_id) l ON l.sale_id = s.id \
             WHERE s.total_minor = l.t AND s.tax_minor = l.x AND s.cogs_minor = l.c"
        )
        .await,
        history.sales as i64,
        "every sale has lines summing to its total, tax and cost"
    );
    assert_eq!(
        int(&db, "SELECT CAST(SUM(quantity) AS BIGINT) FROM sale_lines").await,
        -int(
            &db,
            "SELECT CAST(SUM(quantity) AS BIGINT) FROM stock_movements WHERE kind = 'sale'"
        )
        .await
    );
    assert!(
        int(&db, "SELECT COUNT(*) FROM sales WHERE discount_minor > 0").await > 0,
        "a promotion priced by the engine discounted some sales"
    );
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM domain_events").await,
        0,
        "history is not news"
    );

    // Weekly seasonality: Saturdays are busier than Tuesdays and Wednesdays; Berlin is closed
    // on Sundays.
    let mut per_weekday: BTreeMap<(String, u32), i64> = BTreeMap::new();
    for row in rows(&db, "SELECT st.code, st.timezone, s.occurred_at FROM sales s JOIN stores st ON st.id = s.store_id").await {
        let tz: chrono_tz::Tz = row.try_get::<String, _>(1).unwrap().parse().unwrap();
        let at = tz
            .timestamp_millis_opt(row.try_get::<i64, _>(2).unwrap())
            .unwrap();
        *per_weekday
            .entry((row.try_get(0).unwrap(), at.weekday().num_days_from_monday()))
            .or_default() += 1;
    }
    let chain = |day: Weekday| -> i64 {
        per_weekday
            .iter()
            .filter(|((_, d), _)| *d == day.num_days_from_monday())
            .map(|(_, n)| n)
            .sum()
    };
    let midweek = (chain(Weekday::Tue) + chain(Weekday::Wed)) as f64 / 2.0;
    assert!(
        chain(Weekday::Sat) as f64 > 1.25 * midweek,
        "{per_weekday:?}"
    );
    assert!(!per_weekday.contains_key(&("BER".to_owned(), Weekday::Sun.num_days_from_monday())));

    // The planted anomalies are the committed file's rows that fit this chain, each on its
    // day or the store's next open day, and they show in the data.
    let skus: BTreeSet<String> = rows(&db, "SELECT sku FROM products")
        .await
        .iter()
        .map(|r| r.try_get("sku").unwrap())
        .collect();
    let start = options().start();
    let zones: BTreeMap<String, String> = stores
        .iter()
        .map(|r| (r.try_get("code").unwrap(), r.try_get("timezone").unwrap()))
        .collect();
    let expected: Vec<(String, String, &str)> = anomalies::committed()
        .into_iter()
        .filter(|a| a.day < DAYS && skus.contains(&a.sku))
        .map(|a| (a.store, a.sku, a.kind.as_str()))
        .collect();
    let planted: Vec<(String, String, &str)> = history
        .planted
        .iter()
        .map(|p| (p.store.clone(), p.sku.clone(), p.kind.as_str()))
        .collect();
    assert!(expected.len() >= 8, "{expected:?}");
    assert_eq!(
        planted.iter().collect::<BTreeSet<_>>(),
        expected.iter().collect::<BTreeSet<_>>()
    );
    for p in &history.planted {
        let listed = anomalies::committed()
            .into_iter()
            .find(|a| a.store == p.store && a.sku == p.sku && a.kind == p.kind)
            .unwrap();
        let listed_date = start + chrono::Duration::days(i64::from(listed.day));
        assert!(
            p.date >= listed_date && p.date <= listed_date + chrono::Duration::days(2),
            "{p:?}"
        );
        let tz: chrono_tz::Tz = zones[&p.store].parse().unwrap();
        let from = tz
            .from_local_datetime(&p.date.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .timestamp_millis();
        let to = from + 86_400_000;
        let item = format!(
            "FROM sale_lines l JOIN stores st ON st.id = l.store_id WHERE st.code = '{}' AND l.product_id = '{}' AND l.occurred_at >= {from} AND l.occurred_at < {to}",
            p.store, p.product_id
        );
        match p.kind {
            anomalies::AnomalyKind::Spike => assert!(
                int(&db, &format!("SELECT COUNT(*) {item} AND l.quantity >= 12")).await >= 1,
                "{p:?}"
            ),
            anomalies::AnomalyKind::Drop => {
                assert_eq!(int(&db, &format!("SELECT COUNT(*) {item}")).await, 0, "{p:?}")
            }
            anomalies::AnomalyKind::PriceError => {
                let price = int(
                    &db,
                    &format!("SELECT price_minor FROM products WHERE id = '{}'", p.product_id),
                )
                .await;
                assert!(int(&db, &format!("SELECT COUNT(*) {item}")).await > 0, "{p:?}");
                assert_eq!(
                    int(&db, &format!("SELECT COUNT(*) {item} AND l.unit_price_minor <> {}", (price / 10).max(1))).await,
                    0,
                    "{p:?}"
                );
                assert!(
                    int(&db, &format!("SELECT COUNT(*) FROM sales s WHERE s.flags LIKE '%stale_price%' AND EXISTS (SELECT 1 {item} AND l.sale_id = s.id)")).await > 0
                );
            }
            anomalies::AnomalyKind::Shrinkage => assert_eq!(
                int(
                    &db,
                    &format!(
                        "SELECT COUNT(*) FROM stock_movements m JOIN stores st ON st.id = m.store_id WHERE st.code = '{}' AND m.product_id = '{}' \
                         AND m.kind = 'count_correction' AND m.quantity < 0 AND m.occurred_at >= {from} AND m.occurred_at < {to}",
                        p.store, p.product_id
                    )
                )
                .await,
                1,
                "{p:?}"
            ),
        }
    }
}

async fn the_same_seed_writes_the_same_history_once(backend: Backend) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ((db, first), (twin, _)) = (
        seeded(backend, a.path()).await,
        seeded(backend, b.path()).await,
    );
    let fingerprint = "SELECT COUNT(*), CAST(SUM(total_minor) AS BIGINT), CAST(SUM(tax_minor) AS BIGINT), CAST(SUM(cogs_minor) AS BIGINT), MIN(id), MAX(id) FROM sales";
    let print = |row: &sqlx::any::AnyRow| -> (i64, i64, i64, i64, String, String) {
        (
            row.try_get(0).unwrap(),
            row.try_get(1).unwrap(),
            row.try_get(2).unwrap(),
            row.try_get(3).unwrap(),
            row.try_get(4).unwrap(),
            row.try_get(5).unwrap(),
        )
    };
    let mine = print(&rows(&db, fingerprint).await[0]);
    assert_eq!(mine, print(&rows(&twin, fingerprint).await[0]));
    assert_eq!(mine.0, first.history.unwrap().sales as i64);

    // Seeding again finds the chain and writes nothing.
    let again = demo::seed_with_history(&db, 42, PASSWORD, DemoScale::Small, Some(options()))
        .await
        .unwrap();
    assert!(!again.created && again.history.is_none());
    assert_eq!(print(&rows(&db, fingerprint).await[0]), mine);
}
