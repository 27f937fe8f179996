//! Product search on both backends: both plans of `search_products_planned` (rarest word first,
//! name order) return exactly what a brute-force filter of the catalog returns, page after page,
//! and follow renames and deactivations.

use chainsync_domain::catalog::{search_terms, words};
use chainsync_domain::ids::{OrgId, ProductId};
use chainsync_storage::catalog::{self, ProductQuery, ProductRecord};
use chainsync_storage::orgs;
use chainsync_storage::testing::{TestBackend, fresh_db, org_record};
use chainsync_storage::{Conn, on_both_backends};
use std::collections::BTreeMap;

on_both_backends!(
    both_plans_return_what_brute_force_finds_page_after_page,
    renamed_and_deactivated_products_are_found_by_their_new_state,
);

const ADJECTIVES: [&str; 6] = ["fresh", "organic", "frozen", "smoked", "sweet", "salted"];
const NOUNS: [&str; 7] = [
    "milk",
    "mild cheese",
    "salmon",
    "salsa",
    "bread",
    "butter",
    "berries",
];
const BRANDS: [&str; 3] = ["Alpen", "Nordic", "Sunny"];

fn product(org: OrgId, i: usize) -> ProductRecord {
    // A fixed spread of names, several products per name, so ties are broken by id.
    let name = format!(
        "{} {} {}g",
        ADJECTIVES[(i * 7) % ADJECTIVES.len()],
        NOUNS[(i * 5 + i / 3) % NOUNS.len()],
        100 * (1 + i % 4)
    );
    ProductRecord {
        id: ProductId::new(),
        org_id: org,
        sku: format!("SK-{i:04}"),
        name,
        category_id: None,
        supplier_id: None,
        brand: Some(BRANDS[i % BRANDS.len()].into()),
        unit: "each".into(),
        price_minor: 100,
        cost_minor: 50,
        tax_class: "standard".into(),
        parent_id: None,
        variant_attributes: BTreeMap::new(),
        active: !i.is_multiple_of(11),
        barcodes: vec![format!("40{i:011}")],
        created_at: 1,
        updated_at: 1,
    }
}

async fn write(conn: &mut Conn, p: &ProductRecord) {
    let terms = search_terms(&p.name, p.brand.as_deref(), &p.sku, &p.barcodes);
    catalog::write_product(conn, p, &terms).await.unwrap();
}

/// The ids a correct search returns, in name then id order.
fn brute_force(products: &[ProductRecord], query: &ProductQuery) -> Vec<String> {
    let mut found: Vec<&ProductRecord> = products
        .iter()
        .filter(|p| query.include_inactive || p.active)
        .filter(|p| {
            let terms = search_terms(&p.name, p.brand.as_deref(), &p.sku, &p.barcodes);
            query
                .words
                .iter()
                .all(|w| terms.iter().any(|t| t.starts_with(w.as_str())))
        })
        .collect();
    found.sort_by(|a, b| (&a.name, a.id.to_string()).cmp(&(&b.name, b.id.to_string())));
    found.iter().map(|p| p.id.to_string()).collect()
}

/// Every page of a search with one plan forced, joined.
async fn all_pages(
    conn: &mut Conn,
    org: OrgId,
    query: &ProductQuery,
    rare_below: i64,
) -> Vec<String> {
    let (mut ids, mut cursor) = (Vec::new(), None);
    for _ in 0..200 {
        let page = catalog::search_products_planned(conn, org, query, cursor, 7, rare_below)
            .await
            .unwrap();
        assert!(page.items.len() <= 7);
        ids.extend(page.items.iter().map(|p| p.id.to_string()));
        match page.next_cursor {
            Some(next) => cursor = Some(next.parse().unwrap()),
            None => return ids,
        }
    }
    panic!("paging did not end");
}

fn query(text: &str, include_inactive: bool) -> ProductQuery {
    ProductQuery {
        words: words(text),
        include_inactive,
        ..ProductQuery::default()
    }
}

async fn check(
    conn: &mut Conn,
    org: OrgId,
    products: &[ProductRecord],
    text: &str,
    inactive: bool,
) {
    let q = query(text, inactive);
    let expected = brute_force(products, &q);
    // i64::MAX: every word counts as rare (the rarest-word plan whenever there are words, the
    // other words intersected); 0: no word does (the name-order plan); the default threshold
    // picks per query; 2 and 6 make some words rare and others common (the other words of
    // the rarest-word plan are then probed, or some intersected and some probed).
    for rare_below in [i64::MAX, 0, catalog::RARE_WORD_TERMS, 2, 6] {
        let got = all_pages(conn, org, &q, rare_below).await;
        assert_eq!(
            got, expected,
            "query {text:?}, inactive {inactive}, threshold {rare_below}"
        );
    }
}

async fn catalog_of(
    backend: TestBackend,
    n: usize,
) -> (
    tempfile::TempDir,
    chainsync_storage::Db,
    OrgId,
    Vec<ProductRecord>,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path()).await;
    let mut conn = db.conn().await.unwrap();
    let mut ids = Vec::new();
    for name in ["Acme", "Other"] {
        let org = org_record(name);
        orgs::insert(&mut conn, &org).await.unwrap();
        ids.push(org.id);
    }
    let products: Vec<ProductRecord> = (0..n).map(|i| product(ids[0], i)).collect();
    for p in &products {
        write(&mut conn, p).await;
    }
    // Another organisation with the same names: never found by the first.
    for i in 0..20 {
        write(&mut conn, &product(ids[1], i)).await;
    }
    drop(conn);
    (dir, db, ids[0], products)
}

async fn both_plans_return_what_brute_force_finds_page_after_page(backend: TestBackend) {
    let (_dir, db, org, products) = catalog_of(backend, 120).await;
    let mut conn = db.conn().await.unwrap();
    for text in [
        "",
        "milk",
        "mil",
        "m",
        "s",
        "sal",
        "salmon",
        "fresh milk",
        "milk fresh",
        "fr mi 200",
        "sweet salsa 400g",
        "alpen",
        "nordic berries",
        "sk-00",
        "sk-0042",
        "sk",
        "400000000",
        "4000000001",
        "cheese mild",
        "zebra",
        "milk zebra",
        "g",
    ] {
        for inactive in [false, true] {
            check(&mut conn, org, &products, text, inactive).await;
        }
    }
}

async fn renamed_and_deactivated_products_are_found_by_their_new_state(backend: TestBackend) {
    let (_dir, db, org, mut products) = catalog_of(backend, 40).await;
    let mut conn = db.conn().await.unwrap();
    products[3].name = "Blue cheese 250g".into();
    products[3].active = true;
    products[4].active = false;
    products[5].name = "Zebra cake".into();
    for i in [3, 4, 5] {
        write(&mut conn, &products[i]).await;
    }
    for text in ["blue", "cheese", "zebra", "cake", "milk", "", "salmon"] {
        check(&mut conn, org, &products, text, false).await;
        check(&mut conn, org, &products, text, true).await;
    }
    let found = all_pages(&mut conn, org, &query("zebra", false), i64::MAX).await;
    assert_eq!(found, vec![products[5].id.to_string()]);
}
