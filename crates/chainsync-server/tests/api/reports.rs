//! Reports: real sales rung up through the API either side of a Berlin midnight that is also
//! an ISO week boundary (Sunday 2026-03-08 → Monday 2026-03-09), stock lost and counted, and
//! every report checked against figures computed here from the sales' own answers and the
//! stock ledger; CSV; bad parameters.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, Reply, TestApp, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    kpis_bucket_sales_by_local_day_and_iso_week_and_match_the_sales,
    product_category_staff_and_comparison_reports_match_the_sales,
    profit_and_loss_and_stock_value_match_the_ledger,
    reports_export_csv_with_quoting_and_major_units,
    bad_report_parameters_get_clear_errors,
);

struct Shop {
    app: TestApp,
    admin: Caller,
    manager: Caller,
    cashier: Caller,
    store: String,
    terminal: String,
    tea: String,
    cheese: String,
    seq: std::cell::Cell<i64>,
}

fn id(reply: &Reply) -> String {
    reply.body["id"].as_str().expect("id").to_owned()
}

/// BER with tea (3.50, standard tax, category `Drinks`, named with a comma and quotes), cheese
/// (weighed, 12.00/kg, reduced tax, no category), both received at cost, and a till.
async fn shop(backend: Backend) -> Shop {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let drinks = id(&app
        .post(&admin, "/api/categories", json!({ "name": "Drinks" }))
        .await);
    let tea = id(&app
        .post(&admin, "/api/products", json!({ "sku": "TEA", "name": "Tea, \"Earl Grey\"", "price_minor": 350, "tax_class": "standard", "category_id": drinks }))
        .await);
    let cheese = id(&app
        .post(&admin, "/api/products", json!({ "sku": "CHEESE", "name": "Cheese", "price_minor": 1200, "tax_class": "reduced", "unit": "weighed" }))
        .await);
    let store = app.store_id("BER").await;
    let received = app
        .post(
            &admin,
            &format!("/api/stores/{store}/stock-receipts"),
            json!({ "lines": [
                { "product_id": tea, "quantity": 100, "unit_cost_minor": 150 },
                { "product_id": cheese, "quantity": 20000, "unit_cost_minor": 700 },
            ] }),
        )
        .await;
    assert_eq!(received.status, StatusCode::CREATED, "{:?}", received.body);
    let terminal = id(&app
        .post(
            &admin,
            &format!("/api/stores/{store}/terminals"),
            json!({ "code": "BER-T1", "name": "Till 1" }),
        )
        .await);
    Shop {
        manager: app.login("manager.ber@demo.local").await,
        cashier: app.login("cashier1.ber@demo.local").await,
        app,
        admin,
        store,
        terminal,
        tea,
        cheese,
        seq: std::cell::Cell::new(0),
    }
}

/// Rings up a sale at `at` (RFC 3339) as `who`, paid by card; returns the recorded sale.
async fn sell(shop: &Shop, who: &Caller, at: &str, lines: Value) -> Value {
    let seq = shop.seq.get() + 1;
    shop.seq.set(seq);
    let priced = shop
        .app
        .post(
            who,
            &format!("/api/stores/{}/price-cart", shop.store),
            json!({ "lines": lines, "at": at }),
        )
        .await;
    let total = priced.body["priced"]["totals"]["total_minor"]
        .as_i64()
        .expect("total");
    let reply = shop
        .app
        .post(
            who,
            &format!("/api/stores/{}/sales", shop.store),
            json!({
                "id": uuid::Uuid::now_v7(), "terminal_id": shop.terminal, "seq": seq, "occurred_at": at,
                "receipt_number": format!("BER-T1-{seq:06}"), "lines": lines,
                "payments": [{ "kind": "card", "amount_minor": total, "reference": format!("C{seq}") }],
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// The figures of recorded sales less recorded returns, computed from their own answers.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Expect {
    /// What customers paid on sales, before returns (docs/reports.md, "Gross sales").
    gross: i64,
    /// Tax on sales less tax refunded.
    tax: i64,
    cogs: i64,
    transactions: i64,
    /// Refunded, tax included.
    returns: i64,
}

impl Expect {
    /// Gross sales − returns − tax (net of the tax refunded).
    fn revenue(&self) -> i64 {
        self.gross - self.returns - self.tax
    }
}

fn expect(sales: &[&Value]) -> Expect {
    expect_less(sales, &[])
}

fn expect_less(sales: &[&Value], returns: &[&Value]) -> Expect {
    let mut e = Expect::default();
    for s in sales {
        e.gross += s["total_minor"].as_i64().unwrap();
        e.tax += s["tax_minor"].as_i64().unwrap();
        e.cogs += s["cogs_minor"].as_i64().unwrap();
        e.transactions += 1;
    }
    for r in returns {
        e.tax -= r["tax_minor"].as_i64().unwrap();
        e.cogs -= r["cogs_minor"].as_i64().unwrap();
        e.returns += r["total_minor"].as_i64().unwrap();
    }
    e
}

fn check(kpis: &Value, e: Expect, units: i64) {
    let revenue = e.revenue();
    assert_eq!(kpis["gross_sales_minor"], e.gross, "{kpis}");
    assert_eq!(kpis["tax_minor"], e.tax, "{kpis}");
    assert_eq!(kpis["revenue_minor"], revenue, "{kpis}");
    assert_eq!(kpis["cogs_minor"], e.cogs, "{kpis}");
    assert_eq!(kpis["gross_margin_minor"], revenue - e.cogs, "{kpis}");
    assert_eq!(kpis["transactions"], e.transactions, "{kpis}");
    assert_eq!(kpis["units"], units, "{kpis}");
    assert_eq!(kpis["returns_minor"], e.returns, "{kpis}");
    if e.transactions > 0 {
        // Of the same gross sales as the object's own `gross_sales_minor`.
        let basket = (2 * e.gross + e.transactions) / (2 * e.transactions);
        assert_eq!(kpis["average_basket_minor"], basket, "{kpis}");
        let margin_bps = ((revenue - e.cogs) * 20_000 + revenue) / (2 * revenue);
        assert_eq!(kpis["gross_margin_bps"], margin_bps, "{kpis}");
    } else {
        assert_eq!(kpis["average_basket_minor"], Value::Null);
    }
}

async fn report(shop: &Shop, who: &Caller, path: &str) -> Value {
    let reply = shop
        .app
        .get(who, &format!("/api/stores/{}/reports/{path}", shop.store))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
    reply.body
}

/// Returns one of the five teas of `sale` (its line 0) at `at`, refunded to the card, as the
/// manager; returns the recorded return.
async fn return_one_tea(shop: &Shop, sale: &Value, at: &str) -> Value {
    let seq = shop.seq.get() + 1;
    shop.seq.set(seq);
    let line = &sale["priced"]["lines"][0];
    // Pro rata: one of the line's units.
    let refund = line["total_minor"].as_i64().unwrap() / line["quantity"].as_i64().unwrap();
    let reply = shop
        .app
        .post(
            &shop.manager,
            &format!("/api/stores/{}/returns", shop.store),
            json!({
                "id": uuid::Uuid::now_v7(), "terminal_id": shop.terminal, "seq": seq, "occurred_at": at,
                "receipt_number": format!("BER-T1-{seq:06}"), "sale_id": sale["id"],
                "lines": [{ "line_no": 0, "quantity": 1 }],
                "refunds": [{ "kind": "card", "amount_minor": refund, "reference": "R1" }],
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// Four sales: Sunday 23:30 and Monday 00:30 Berlin time (both on 2026-03-08 in UTC), Tuesday
/// afternoon (one of its five teas returned an hour later), and one in February (the previous
/// period of a March report). The last value is the return.
async fn ring_up(shop: &Shop) -> [Value; 5] {
    let (tea, cheese) = (&shop.tea, &shop.cheese);
    let sunday = sell(
        shop,
        &shop.cashier,
        "2026-03-08T22:30:00Z",
        json!([{ "product_id": tea, "quantity": 2 }]),
    )
    .await;
    let monday = sell(
        shop,
        &shop.cashier,
        "2026-03-08T23:30:00Z",
        json!([{ "product_id": tea, "quantity": 1 }, { "product_id": cheese, "quantity": 250 }]),
    )
    .await;
    let tuesday = sell(
        shop,
        &shop.manager,
        "2026-03-10T15:00:00Z",
        json!([{ "product_id": tea, "quantity": 5, "discount": { "kind": "percent", "percent_bps": 1000 } }]),
    )
    .await;
    let february = sell(
        shop,
        &shop.cashier,
        "2026-02-10T12:00:00Z",
        json!([{ "product_id": tea, "quantity": 4 }]),
    )
    .await;
    let returned = return_one_tea(shop, &tuesday, "2026-03-10T16:00:00Z").await;
    [sunday, monday, tuesday, february, returned]
}

async fn kpis_bucket_sales_by_local_day_and_iso_week_and_match_the_sales(backend: Backend) {
    let shop = shop(backend).await;
    let [sunday, monday, tuesday, february, returned] = ring_up(&shop).await;

    let days = report(
        &shop,
        &shop.manager,
        "kpis?from=2026-03-08&to=2026-03-10&granularity=day",
    )
    .await;
    let weeks = report(
        &shop,
        &shop.admin,
        "kpis?from=2026-03-02&to=2026-03-15&granularity=week",
    )
    .await;
    let months = report(
        &shop,
        &shop.admin,
        "kpis?from=2026-02-01&to=2026-03-31&granularity=month",
    )
    .await;

    let buckets = days["buckets"].as_array().unwrap();
    let labels: Vec<&str> = buckets
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["2026-03-08", "2026-03-09", "2026-03-10"]);
    check(&buckets[0], expect(&[&sunday]), 2);
    // Tea 1 + a weighed line of cheese, which counts as one unit.
    check(&buckets[1], expect(&[&monday]), 2);
    // Five teas sold, one returned the same day.
    check(&buckets[2], expect_less(&[&tuesday], &[&returned]), 4);
    check(
        &days["totals"],
        expect_less(&[&sunday, &monday, &tuesday], &[&returned]),
        8,
    );
    // The previous period is 2026-03-05..07: nothing sold.
    assert_eq!(days["previous_period"]["from"], "2026-03-05");
    check(&days["previous"], Expect::default(), 0);
    assert_eq!(days["change"]["revenue_bps"], Value::Null);

    let weeks = weeks["buckets"].as_array().unwrap();
    assert_eq!(weeks[0]["label"], "2026-W10");
    assert_eq!(weeks[1]["label"], "2026-W11");
    check(&weeks[0], expect(&[&sunday]), 2);
    check(
        &weeks[1],
        expect_less(&[&monday, &tuesday], &[&returned]),
        6,
    );

    let month = &months["buckets"];
    assert_eq!(month[0]["label"], "2026-02");
    check(&month[0], expect(&[&february]), 4);
    check(
        &month[1],
        expect_less(&[&sunday, &monday, &tuesday], &[&returned]),
        8,
    );

    // March against February (same length: 2026-01-30..2026-02-27... 31 days before March).
    let march = report(&shop, &shop.manager, "kpis?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(march["previous_period"]["from"], "2026-01-29");
    assert_eq!(march["previous_period"]["to"], "2026-02-28");
    check(&march["previous"], expect(&[&february]), 4);
    let (now, before) = (
        march["totals"]["revenue_minor"].as_i64().unwrap(),
        march["previous"]["revenue_minor"].as_i64().unwrap(),
    );
    let change = ((now - before) * 20_000 + before) / (2 * before);
    assert_eq!(march["change"]["revenue_bps"], change);
}

async fn product_category_staff_and_comparison_reports_match_the_sales(backend: Backend) {
    let shop = shop(backend).await;
    let [sunday, monday, tuesday, _, returned] = ring_up(&shop).await;
    let period = "from=2026-03-01&to=2026-03-31";

    let top = report(
        &shop,
        &shop.manager,
        &format!("top-products?{period}&by=units"),
    )
    .await;
    let cats = report(&shop, &shop.manager, &format!("categories?{period}")).await;
    let staff = report(&shop, &shop.admin, &format!("staff?{period}")).await;

    // Per product, from the sales' priced lines.
    let mut tea = Expect::default();
    let mut cheese = Expect::default();
    for sale in [&sunday, &monday, &tuesday] {
        for line in sale["priced"]["lines"].as_array().unwrap() {
            let e = if line["product_id"] == shop.tea.as_str() {
                &mut tea
            } else {
                &mut cheese
            };
            e.gross += line["total_minor"].as_i64().unwrap();
            e.tax += line["tax_minor"].as_i64().unwrap();
            e.transactions += 1;
        }
    }
    // The returned tea comes off.
    tea.returns += returned["total_minor"].as_i64().unwrap();
    tea.tax -= returned["tax_minor"].as_i64().unwrap();
    let items = top["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["sku"], "TEA");
    assert_eq!(items[0]["rank"], 1);
    assert_eq!(items[0]["units"], 7);
    assert_eq!(items[0]["quantity"], 7);
    assert_eq!(items[0]["category_name"], "Drinks");
    assert_eq!(items[0]["gross_sales_minor"], tea.gross);
    assert_eq!(items[0]["revenue_minor"], tea.revenue());
    assert_eq!(items[0]["returns_minor"], returned["total_minor"]);
    // Tea cost 1.50 a piece; cheese 7.00 a kg, 250 g = 1.75.
    assert_eq!(items[0]["cogs_minor"], 7 * 150);
    assert_eq!(items[1]["sku"], "CHEESE");
    assert_eq!(items[1]["quantity"], 250);
    assert_eq!(items[1]["units"], 1);
    assert_eq!(items[1]["cogs_minor"], 175);
    assert_eq!(items[1]["revenue_minor"], cheese.revenue());
    let by_revenue = report(
        &shop,
        &shop.manager,
        &format!("top-products?{period}&limit=1"),
    )
    .await;
    assert_eq!(by_revenue["items"].as_array().unwrap().len(), 1);

    let cats = cats["items"].as_array().unwrap();
    assert_eq!(cats[0]["name"], "Drinks");
    assert_eq!(cats[0]["revenue_minor"], tea.revenue());
    assert_eq!(cats[1]["name"], "Uncategorised");
    assert_eq!(cats[1]["category_id"], Value::Null);
    assert_eq!(cats[1]["revenue_minor"], cheese.revenue());
    let total = tea.revenue() + cheese.revenue();
    let share = ((tea.revenue()) * 20_000 + total) / (2 * total);
    assert_eq!(cats[0]["revenue_share_bps"], share);

    let staff = staff["items"].as_array().unwrap();
    let row = |email: &str| {
        staff
            .iter()
            .find(|r| r["email"] == email)
            .unwrap_or_else(|| panic!("{email} in {staff:?}"))
            .clone()
    };
    let cashier = row("cashier1.ber@demo.local");
    let e = expect(&[&sunday, &monday]);
    assert_eq!(cashier["transactions"], 2);
    assert_eq!(cashier["gross_sales_minor"], e.gross);
    assert_eq!(cashier["average_basket_minor"], (2 * e.gross + 2) / 4);
    assert_eq!(
        row("manager.ber@demo.local")["gross_sales_minor"],
        tuesday["total_minor"]
    );
    assert_eq!(staff.len(), 2);

    // Admin: every store, each over its own days; the BER manager: BER only.
    let url = format!("/api/reports/store-comparison?{period}");
    let all = shop.app.get(&shop.admin, &url).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let stores = all.body["items"].as_array().unwrap();
    assert_eq!(stores.len(), 5);
    let ber = stores.iter().find(|s| s["store"]["code"] == "BER").unwrap();
    check(
        &ber["totals"],
        expect_less(&[&sunday, &monday, &tuesday], &[&returned]),
        8,
    );
    let par = stores.iter().find(|s| s["store"]["code"] == "PAR").unwrap();
    check(&par["totals"], Expect::default(), 0);
    let mine = shop.app.get(&shop.manager, &url).await;
    let codes: Vec<&str> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["store"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["BER"]);
    assert_eq!(
        shop.app.get(&shop.cashier, &url).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn profit_and_loss_and_stock_value_match_the_ledger(backend: Backend) {
    let shop = shop(backend).await;
    let [sunday, monday, tuesday, _, returned] = ring_up(&shop).await;
    let store = &shop.store;
    let adjust = |product: &str, quantity: i64, reason: &str| json!({ "product_id": product, "quantity": quantity, "reason": reason, "note": "shelf check" });
    for body in [
        adjust(&shop.tea, -3, "damaged"),
        adjust(&shop.tea, -1, "theft"),
        adjust(&shop.tea, 2, "found"),
        adjust(&shop.cheese, -500, "expired"),
    ] {
        let reply = shop
            .app
            .post(
                &shop.manager,
                &format!("/api/stores/{store}/stock-adjustments"),
                body,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    }
    let counted = shop
        .app
        .post(
            &shop.manager,
            &format!("/api/stores/{store}/stock-counts"),
            json!({ "counted_at": chrono::Utc::now(), "lines": [{ "product_id": shop.tea, "counted": 80 }] }),
        )
        .await;
    assert_eq!(counted.status, StatusCode::CREATED, "{:?}", counted.body);

    // From the ledger: every adjustment and count correction with the cost it moved at.
    let ledger = shop
        .app
        .get(
            &shop.manager,
            &format!("/api/stores/{store}/stock-movements?limit=200"),
        )
        .await;
    let (mut damaged, mut theft, mut expired, mut found, mut counts) = (0, 0, 0, 0, 0);
    for m in ledger.body["items"].as_array().unwrap() {
        let q = m["quantity"].as_i64().unwrap();
        let cost = m["unit_cost_minor"].as_i64().unwrap();
        let weighed = m["product_id"] == shop.cheese.as_str();
        let value = if weighed {
            (q * cost - 500) / 1000
        } else {
            q * cost
        };
        let reason = m["reason"].as_str().unwrap_or("");
        match m["kind"].as_str().unwrap() {
            "count_correction" => counts += value,
            "adjustment" if reason.starts_with("damaged") => damaged += value,
            "adjustment" if reason.starts_with("theft") => theft += value,
            "adjustment" if reason.starts_with("expired") => expired += value,
            "adjustment" if reason.starts_with("found") => found += value,
            _ => {}
        }
    }
    assert!(damaged < 0 && theft < 0 && expired < 0 && found > 0 && counts != 0);

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    let pnl = report(
        &shop,
        &shop.manager,
        &format!("profit-and-loss?from=2026-03-01&to={today}"),
    )
    .await;
    let e = expect_less(&[&sunday, &monday, &tuesday], &[&returned]);
    assert_eq!(pnl["gross_sales_minor"], e.gross);
    assert_eq!(pnl["returns_minor"], returned["total_minor"]);
    assert_eq!(pnl["tax_minor"], e.tax);
    assert_eq!(pnl["revenue_minor"], e.revenue());
    assert_eq!(pnl["cogs_minor"], e.cogs);
    assert_eq!(pnl["gross_profit_minor"], e.revenue() - e.cogs);
    let s = &pnl["shrinkage"];
    assert_eq!(
        (
            s["damaged_minor"].as_i64(),
            s["theft_minor"].as_i64(),
            s["expired_minor"].as_i64()
        ),
        (Some(damaged), Some(theft), Some(expired))
    );
    assert_eq!(s["count_corrections_minor"], counts);
    assert_eq!(s["other_adjustments_minor"], found);
    let shrinkage = damaged + theft + expired + counts;
    assert_eq!(s["total_minor"], shrinkage);
    assert_eq!(
        pnl["profit_after_shrinkage_minor"],
        e.revenue() - e.cogs + shrinkage
    );
    // A period before the adjustments has sales but no shrinkage.
    let march = report(
        &shop,
        &shop.manager,
        "profit-and-loss?from=2026-03-01&to=2026-03-31",
    )
    .await;
    assert_eq!(march["shrinkage"]["total_minor"], 0);

    // Stock value against the levels the stock API reports.
    let levels = shop
        .app
        .get(
            &shop.manager,
            &format!("/api/stores/{store}/stock?limit=200"),
        )
        .await;
    let mut value = 0;
    for l in levels.body["items"].as_array().unwrap() {
        let (q, cost) = (
            l["on_hand"].as_i64().unwrap(),
            l["avg_cost_minor"].as_i64().unwrap(),
        );
        value += if l["product_id"] == shop.cheese.as_str() {
            (q * cost + 500) / 1000
        } else {
            q * cost
        };
    }
    let valuation = report(&shop, &shop.manager, "stock-valuation").await;
    assert_eq!(valuation["total_value_minor"], value);
    assert_eq!(valuation["items_in_stock"], 2);
    let cats: Vec<&str> = valuation["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        cats.contains(&"Drinks") && cats.contains(&"Uncategorised"),
        "{cats:?}"
    );
    assert_eq!(valuation["items"][0]["sku"], "CHEESE");
}

async fn reports_export_csv_with_quoting_and_major_units(backend: Backend) {
    let shop = shop(backend).await;
    let [sunday, ..] = ring_up(&shop).await;
    let get_csv = |path: String, accept: bool| {
        let mut request = shop
            .app
            .http
            .get(format!(
                "{}/api/stores/{}/reports/{path}",
                shop.app.base, shop.store
            ))
            .bearer_auth(shop.manager.access.as_ref().unwrap());
        if accept {
            request = request.header("accept", "text/csv");
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let headers = response.headers().clone();
            (headers, response.text().await.unwrap())
        }
    };

    let (headers, kpis) = get_csv("kpis?from=2026-03-08&to=2026-03-10".into(), true).await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"kpis-BER-2026-03-08-2026-03-10.csv\""
    );
    let lines: Vec<&str> = kpis.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "period,from,to,gross_sales,returns,tax,revenue,cogs,gross_margin,gross_margin_pct,transactions,average_basket,units,currency"
    );
    let gross = sunday["total_minor"].as_i64().unwrap();
    let major = format!("{}.{:02}", gross / 100, gross % 100);
    assert!(
        lines[1].starts_with(&format!("2026-03-08,2026-03-08,2026-03-08,{major},0.00,")),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",1,7.00,2,EUR"), "{}", lines[1]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("total,2026-03-08,2026-03-10,"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("previous,2026-03-05,2026-03-07,"))
    );

    let (_, top) = get_csv(
        "top-products?from=2026-03-01&to=2026-03-31&format=csv".into(),
        false,
    )
    .await;
    // The name holds a comma and quotes: quoted, quotes doubled.
    assert!(
        top.contains(",TEA,\"Tea, \"\"Earl Grey\"\"\",Drinks,each,7,"),
        "{top}"
    );
    let mut reader = csv::Reader::from_reader(top.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][3], "Tea, \"Earl Grey\"");

    for path in ["categories", "profit-and-loss", "stock-valuation", "staff"] {
        let (headers, body) = get_csv(format!("{path}?format=csv"), false).await;
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8", "{path}");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header = reader.headers().unwrap().clone();
        assert!(header.len() >= 3, "{path}: {body}");
        for record in reader.records() {
            assert_eq!(record.unwrap().len(), header.len(), "{path}: {body}");
        }
    }
    let comparison = shop
        .app
        .http
        .get(format!(
            "{}/api/reports/store-comparison?format=csv",
            shop.app.base
        ))
        .bearer_auth(shop.admin.access.as_ref().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(comparison.lines().count(), 6, "{comparison}");
}

async fn bad_report_parameters_get_clear_errors(backend: Backend) {
    let shop = shop(backend).await;
    let base = format!("/api/stores/{}/reports", shop.store);
    let cases = [
        (
            "kpis?from=2026-03-10&to=2026-03-01",
            422,
            "invalid_period",
            "to",
        ),
        (
            "kpis?granularity=year",
            422,
            "invalid_granularity",
            "granularity",
        ),
        (
            "kpis?from=2020-01-01&to=2026-03-01",
            422,
            "period_too_long",
            "from",
        ),
        ("kpis?from=2026-02-30", 422, "invalid_date", "from"),
        ("kpis?to=yesterday", 422, "invalid_date", "to"),
        ("kpis?format=xml", 422, "invalid_format", "format"),
        ("top-products?by=price", 422, "invalid_rank", "by"),
        ("top-products?limit=0", 422, "invalid_limit", "limit"),
        ("top-products?limit=lots", 400, "invalid_query", "limit"),
        (
            "stock-valuation?limit=100000",
            422,
            "invalid_limit",
            "limit",
        ),
    ];
    for (path, status, code, field) in cases {
        let reply = shop.app.get(&shop.manager, &format!("{base}/{path}")).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code(), reply.field()),
            (status, code, field),
            "{path}: {:?}",
            reply.body
        );
    }
    // A cashier may not; another organisation's admin does not see the store; an unknown
    // store is 404; a manager of another store is 403.
    let cashier = shop.app.get(&shop.cashier, &format!("{base}/kpis")).await;
    assert_eq!(
        (cashier.status, cashier.code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let other = shop.app.other_org_admin().await;
    assert_eq!(
        shop.app.get(&other, &format!("{base}/kpis")).await.status,
        StatusCode::NOT_FOUND
    );
    let unknown = shop
        .app
        .get(
            &shop.admin,
            &format!("/api/stores/{}/reports/kpis", uuid::Uuid::now_v7()),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let paris = shop.app.login("manager.par@demo.local").await;
    assert_eq!(
        shop.app.get(&paris, &format!("{base}/staff")).await.status,
        StatusCode::FORBIDDEN
    );
    let comparison = shop
        .app
        .get(
            &shop.admin,
            "/api/reports/store-comparison?from=2026-03-02&to=2026-03-01",
        )
        .await;
    assert_eq!(comparison.code(), "invalid_period");
}
