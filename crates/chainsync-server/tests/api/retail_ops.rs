//! The unhappy paths of returns, voids, exchanges, loyalty, shifts, transfers and purchase
//! orders: each bad request gets the right 4xx with the field named, and changes nothing.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, PASSWORD, Reply, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    returns_never_refund_more_than_was_paid,
    large_refunds_and_voids_need_a_managers_approval,
    a_recorded_return_or_void_replays_whatever_its_approval_says_now,
    a_void_without_approval_asks_for_one,
    a_voided_sale_says_so_when_voided_again,
    exchange_credit_is_spent_once,
    loyalty_points_never_go_below_zero,
    a_return_gives_redeemed_points_back_before_taking_earned_ones,
    shifts_refuse_what_a_drawer_cannot_do,
    the_z_report_counts_exchange_credit_as_an_other_refund,
    transfers_and_purchase_orders_refuse_impossible_quantities,
    customers_are_found_by_phone_and_erased_on_request,
);

struct Till {
    app: TestApp,
    admin: Caller,
    cashier: Caller,
    store: String,
    terminal: String,
    rice: String,
    seq: std::sync::atomic::AtomicI64,
}

fn id(reply: &Reply) -> String {
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

/// BER with rice (2.99) in stock and a till.
async fn till(backend: Backend) -> Till {
    let app = spawn(backend).await;
    let admin = app.login("admin@demo.local").await;
    let cashier = app.login("cashier1.ber@demo.local").await;
    let store = app.store_id("BER").await;
    let rice = id(&app
        .post(
            &admin,
            "/api/products",
            json!({ "sku": "RICE", "name": "Rice", "price_minor": 299, "tax_class": "reduced" }),
        )
        .await);
    let r = app
        .post(
            &admin,
            &format!("/api/stores/{store}/stock-receipts"),
            json!({ "lines": [{ "product_id": rice, "quantity": 100, "unit_cost_minor": 120 }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let terminal = id(&app
        .post(
            &admin,
            &format!("/api/stores/{store}/terminals"),
            json!({ "code": "BER-T1", "name": "Till 1" }),
        )
        .await);
    Till {
        app,
        admin,
        cashier,
        store,
        terminal,
        rice,
        seq: 0.into(),
    }
}

impl Till {
    fn next(&self) -> i64 {
        self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }

    /// Sells `quantity` rice paid with `payments` (the sequence is taken only if it succeeds).
    async fn sell(&self, quantity: i64, payments: Value, extra: Value) -> Reply {
        let seq = self.seq.load(std::sync::atomic::Ordering::SeqCst) + 1;
        let mut body = json!({
            "id": uuid::Uuid::now_v7(), "terminal_id": self.terminal, "seq": seq, "occurred_at": chrono::Utc::now(),
            "receipt_number": format!("BER-T1-{seq}"), "lines": [{ "product_id": self.rice, "quantity": quantity }], "payments": payments,
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let reply = self
            .app
            .post(
                &self.cashier,
                &format!("/api/stores/{}/sales", self.store),
                body,
            )
            .await;
        if reply.status.is_success() {
            self.next();
        }
        reply
    }

    async fn give_back(
        &self,
        sale: &str,
        lines: Value,
        refunds: Value,
        approval: Option<Value>,
    ) -> Reply {
        let seq = self.seq.load(std::sync::atomic::Ordering::SeqCst) + 1;
        let mut body = json!({
            "id": uuid::Uuid::now_v7(), "terminal_id": self.terminal, "seq": seq, "occurred_at": chrono::Utc::now(),
            "receipt_number": format!("BER-T1-R{seq}"), "sale_id": sale, "lines": lines, "refunds": refunds,
        });
        if let Some(a) = approval {
            body["approval"] = a;
        }
        let reply = self
            .app
            .post(
                &self.cashier,
                &format!("/api/stores/{}/returns", self.store),
                body,
            )
            .await;
        if reply.status.is_success() {
            self.next();
        }
        reply
    }

    async fn on_hand(&self) -> i64 {
        self.app
            .get(
                &self.admin,
                &format!("/api/stores/{}/stock/{}", self.store, self.rice),
            )
            .await
            .body["on_hand"]
            .as_i64()
            .expect("on_hand")
    }
}

async fn returns_never_refund_more_than_was_paid(backend: Backend) {
    let t = till(backend).await;
    // 3 rice for 8.97: 5.00 by card, the rest in cash.
    let sale = t.sell(3, json!([{ "kind": "card", "amount_minor": 500, "reference": "C1" }, { "kind": "cash", "tendered_minor": 500 }]), json!({})).await;
    let sale = id(&sale);
    let stock = t.on_hand().await;
    let cases = [
        (
            json!([{ "line_no": 0, "quantity": 4 }]),
            json!([{ "kind": "cash", "amount_minor": 1196 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "return_exceeds_sale",
            "lines[0].quantity",
        ),
        (
            json!([{ "line_no": 0, "quantity": 0 }]),
            json!([{ "kind": "cash", "amount_minor": 0 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_quantity",
            "lines[0].quantity",
        ),
        (
            json!([{ "line_no": 7, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 299 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_sale_line",
            "lines[0].line_no",
        ),
        (
            json!([{ "line_no": 0, "quantity": 1 }, { "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 598 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "duplicate_line",
            "lines[1].line_no",
        ),
        (
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 300 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refund_mismatch",
            "refunds",
        ),
        (
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 400 }, { "kind": "cash", "amount_minor": -101 }]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_refund",
            "refunds[1].amount_minor",
        ),
        (
            json!([]),
            json!([]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_lines",
            "lines",
        ),
    ];
    for (lines, refunds, status, code, field) in cases {
        let r = t.give_back(&sale, lines.clone(), refunds, None).await;
        assert_eq!(
            (r.status, r.code(), r.field()),
            (status, code, field),
            "{lines}: {}",
            r.body
        );
    }
    // Unknown sale, and a sale of another store.
    let r = t
        .give_back(
            &uuid::Uuid::now_v7().to_string(),
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 299 }]),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_sale")
    );
    // Card refunds are capped by what the card paid (5.00), in total across returns.
    let r = t
        .give_back(
            &sale,
            json!([{ "line_no": 0, "quantity": 2 }]),
            json!([{ "kind": "card", "amount_minor": 598, "reference": "C1" }]),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "refund_exceeds_tender"),
        "{}",
        r.body
    );
    assert_eq!(t.on_hand().await, stock, "nothing refused moved stock");

    // Three returns of one each refund 2.99 + 2.99 + 2.99 = exactly 8.97, then nothing is left.
    let mut refunded = 0;
    for (i, refund) in [
        json!({ "kind": "card", "amount_minor": 299, "reference": "C1" }),
        json!({ "kind": "card", "amount_minor": 201, "reference": "C1" }),
        json!({ "kind": "cash", "amount_minor": 299 }),
    ]
    .into_iter()
    .enumerate()
    {
        let mut refunds = vec![refund];
        if i == 1 {
            refunds.push(json!({ "kind": "cash", "amount_minor": 98 }));
        }
        let r = t
            .give_back(
                &sale,
                json!([{ "line_no": 0, "quantity": 1, "restock": i != 2 }]),
                json!(refunds),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        refunded += r.body["total_minor"].as_i64().expect("total");
    }
    assert_eq!(refunded, 897);
    let r = t
        .give_back(
            &sale,
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 0 }]),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "return_exceeds_sale")
    );
    // Two came back to the shelf; the third was discarded (in and out again as damaged).
    assert_eq!(t.on_hand().await, stock + 2);
}

async fn large_refunds_and_voids_need_a_managers_approval(backend: Backend) {
    let t = till(backend).await;
    let manager = t.app.login("manager.ber@demo.local").await;
    let pin = t
        .app
        .call(
            &manager,
            Method::PUT,
            "/api/auth/me/pin",
            Some(json!({ "pin": "4321", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(pin.status, StatusCode::NO_CONTENT);
    let bad_pin = t
        .app
        .call(
            &manager,
            Method::PUT,
            "/api/auth/me/pin",
            Some(json!({ "pin": "12", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(
        (bad_pin.status, bad_pin.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "pin")
    );
    let wrong = t
        .app
        .call(
            &manager,
            Method::PUT,
            "/api/auth/me/pin",
            Some(json!({ "pin": "9999", "current_password": "not it at all" })),
        )
        .await;
    assert_eq!(wrong.code(), "wrong_password");

    // The threshold is 50.00: 20 rice (59.80) is above it.
    let sale = id(&t
        .sell(
            20,
            json!([{ "kind": "cash", "tendered_minor": 6000 }]),
            json!({}),
        )
        .await);
    let all = json!([{ "line_no": 0, "quantity": 20 }]);
    let cash = json!([{ "kind": "cash", "amount_minor": 5980 }]);
    let r = t.give_back(&sale, all.clone(), cash.clone(), None).await;
    assert_eq!(
        (r.status, r.code(), r.field()),
        (StatusCode::FORBIDDEN, "approval_required", "approval")
    );
    let r = t
        .give_back(
            &sale,
            all.clone(),
            cash.clone(),
            Some(json!({ "email": "manager.ber@demo.local", "pin": "0000" })),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "approval_failed")
    );
    // A cashier cannot approve, whatever they type.
    let r = t
        .give_back(
            &sale,
            all.clone(),
            cash.clone(),
            Some(json!({ "email": "cashier2.ber@demo.local", "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "approval_failed")
    );
    let r = t
        .give_back(
            &sale,
            all.clone(),
            cash.clone(),
            Some(json!({ "email": "manager.ber@demo.local", "pin": "4321", "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_approval")
    );
    let ok = t
        .give_back(
            &sale,
            all,
            cash,
            Some(json!({ "email": "Manager.BER@demo.local", "pin": "4321" })),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(
        ok.body["approved_by"],
        json!(t.app.user_id("manager.ber@demo.local").await)
    );
    assert!(
        !ok.body.to_string().contains("4321"),
        "the PIN is never echoed or stored"
    );

    // A void always needs approval, refunds exactly the tenders, and not after a return.
    let small = id(&t
        .sell(
            1,
            json!([{ "kind": "card", "amount_minor": 299, "reference": "V1" }]),
            json!({}),
        )
        .await);
    let void = |seq: i64, approval: Value| {
        json!({ "id": uuid::Uuid::now_v7(), "terminal_id": t.terminal, "seq": seq, "occurred_at": chrono::Utc::now(),
                "receipt_number": format!("BER-T1-V{seq}"), "approval": approval })
    };
    let seq = t.seq.load(std::sync::atomic::Ordering::SeqCst) + 1;
    let path = format!("/api/stores/{}/sales/{small}/void", t.store);
    let r = t
        .app
        .post(
            &t.cashier,
            &path,
            void(
                seq,
                json!({ "email": "manager.ber@demo.local", "pin": "1111" }),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "approval_failed")
    );
    let body = void(
        seq,
        json!({ "email": "manager.ber@demo.local", "pin": "4321" }),
    );
    let r = t.app.post(&t.cashier, &path, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["kind"], "void");
    assert_eq!(
        r.body["refunds"],
        json!([{ "kind": "card", "amount_minor": 299, "reference": "V1" }])
    );
    let replay = t.app.post(&t.cashier, &path, body).await;
    assert_eq!(replay.body, r.body, "a replayed void changes nothing");
    t.next();
    let r = t
        .app
        .post(
            &t.cashier,
            &path,
            void(
                seq + 1,
                json!({ "email": "manager.ber@demo.local", "pin": "4321" }),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "sale_already_voided")
    );
}

/// BER's manager with approval PIN 4321.
async fn manager_with_pin(t: &Till) {
    let manager = t.app.login("manager.ber@demo.local").await;
    let pin = t
        .app
        .call(
            &manager,
            Method::PUT,
            "/api/auth/me/pin",
            Some(json!({ "pin": "4321", "current_password": PASSWORD })),
        )
        .await;
    assert_eq!(pin.status, StatusCode::NO_CONTENT);
}

/// An approval by BER's manager with `pin`.
fn approval(pin: &str) -> Value {
    json!({ "email": "manager.ber@demo.local", "pin": pin })
}

/// A void as the till sends it, with the till's next sequence.
fn void_body(t: &Till, approval: Option<Value>) -> Value {
    let seq = t.seq.load(std::sync::atomic::Ordering::SeqCst) + 1;
    let mut body = json!({ "id": uuid::Uuid::now_v7(), "terminal_id": t.terminal, "seq": seq,
        "occurred_at": chrono::Utc::now(), "receipt_number": format!("BER-T1-V{seq}") });
    if let Some(a) = approval {
        body["approval"] = a;
    }
    body
}

/// `times` fresh returns of all 20 rice of `sale`, each approved with a wrong PIN; the last answer.
async fn fail_approvals(t: &Till, sale: &str, times: usize) -> Reply {
    let mut last = None;
    for _ in 0..times {
        last = Some(
            t.give_back(
                sale,
                json!([{ "line_no": 0, "quantity": 20 }]),
                json!([{ "kind": "cash", "amount_minor": 5980 }]),
                Some(approval("0000")),
            )
            .await,
        );
    }
    last.expect("at least one attempt")
}

async fn a_recorded_return_or_void_replays_whatever_its_approval_says_now(backend: Backend) {
    // Arrange: a large return and a void, both approved and recorded.
    let t = till(backend).await;
    manager_with_pin(&t).await;
    let cash = |amount: i64| json!([{ "kind": "cash", "tendered_minor": amount }]);
    let sale = id(&t.sell(20, cash(6000), json!({})).await);
    let other = id(&t.sell(20, cash(6000), json!({})).await);
    let small = id(&t.sell(1, cash(299), json!({})).await);
    let seq = t.seq.load(std::sync::atomic::Ordering::SeqCst) + 1;
    let returned = json!({
        "id": uuid::Uuid::now_v7(), "terminal_id": t.terminal, "seq": seq, "occurred_at": chrono::Utc::now(),
        "receipt_number": format!("BER-T1-R{seq}"), "sale_id": sale, "lines": [{ "line_no": 0, "quantity": 20 }],
        "refunds": [{ "kind": "cash", "amount_minor": 5980 }], "approval": approval("4321"),
    });
    let returns = format!("/api/stores/{}/returns", t.store);
    let first = t.app.post(&t.cashier, &returns, returned.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    t.next();
    let voided = void_body(&t, Some(approval("4321")));
    let void_path = format!("/api/stores/{}/sales/{small}/void", t.store);
    let first_void = t.app.post(&t.cashier, &void_path, voided.clone()).await;
    assert_eq!(
        first_void.status,
        StatusCode::CREATED,
        "{}",
        first_void.body
    );
    t.next();
    let with_pin = |body: &Value, pin: &str| {
        let mut body = body.clone();
        body["approval"] = approval(pin);
        body
    };

    // Act: both replayed with a PIN that is wrong, then 4 real failures.
    let replay = t
        .app
        .post(&t.cashier, &returns, with_pin(&returned, "0000"))
        .await;
    let replayed_void = t
        .app
        .post(&t.cashier, &void_path, with_pin(&voided, "0000"))
        .await;
    let fourth = fail_approvals(&t, &other, 4).await;

    // Assert: the replays answer what was recorded and are no failed approvals: after the 4
    // real ones the manager is one failure short of the lock.
    assert_eq!(
        (replay.status, &replay.body),
        (StatusCode::CREATED, &first.body)
    );
    assert_eq!(
        (replayed_void.status, &replayed_void.body),
        (StatusCode::CREATED, &first_void.body)
    );
    assert_eq!(fourth.code(), "approval_failed");
    let fifth = fail_approvals(&t, &other, 1).await;
    assert_eq!(fifth.code(), "approval_failed", "{}", fifth.body);
    let locked = fail_approvals(&t, &other, 1).await;
    assert_eq!(
        (locked.status, locked.code()),
        (StatusCode::TOO_MANY_REQUESTS, "approval_locked")
    );

    // While the manager is locked out, replays still answer what was recorded...
    let replay = t.app.post(&t.cashier, &returns, returned.clone()).await;
    assert_eq!(
        (replay.status, &replay.body),
        (StatusCode::CREATED, &first.body)
    );
    let replayed_void = t.app.post(&t.cashier, &void_path, voided.clone()).await;
    assert_eq!(
        (replayed_void.status, &replayed_void.body),
        (StatusCode::CREATED, &first_void.body)
    );
    // ...and the same id with other content is a conflict, whatever the approval.
    let mut changed = with_pin(&returned, "0000");
    changed["reason"] = json!("changed my mind");
    let r = t.app.post(&t.cashier, &returns, changed).await;
    assert_eq!(
        (r.status, r.code(), r.field()),
        (StatusCode::CONFLICT, "mutation_conflict", "id")
    );
    let list = t
        .app
        .get(&t.admin, &format!("/api/stores/{}/returns", t.store))
        .await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
}

async fn a_void_without_approval_asks_for_one(backend: Backend) {
    let t = till(backend).await;
    manager_with_pin(&t).await;
    let sale = id(&t
        .sell(
            1,
            json!([{ "kind": "cash", "tendered_minor": 299 }]),
            json!({}),
        )
        .await);
    let stock = t.on_hand().await;
    let path = format!("/api/stores/{}/sales/{sale}/void", t.store);

    let r = t.app.post(&t.cashier, &path, void_body(&t, None)).await;

    assert_eq!(
        (r.status, r.code(), r.field()),
        (StatusCode::FORBIDDEN, "approval_required", "approval"),
        "{}",
        r.body
    );
    assert_eq!(t.on_hand().await, stock, "a refused void changes nothing");
    let approved = void_body(&t, Some(approval("4321")));
    let r = t.app.post(&t.cashier, &path, approved).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the same seq is still free: {}",
        r.body
    );
}

async fn a_voided_sale_says_so_when_voided_again(backend: Backend) {
    let t = till(backend).await;
    manager_with_pin(&t).await;
    let cash = json!([{ "kind": "cash", "tendered_minor": 598 }]);
    let voided = id(&t.sell(2, cash.clone(), json!({})).await);
    let returned = id(&t.sell(2, cash, json!({})).await);
    let void = |sale: &str| format!("/api/stores/{}/sales/{sale}/void", t.store);
    let r = t
        .app
        .post(
            &t.cashier,
            &void(&voided),
            void_body(&t, Some(approval("4321"))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    t.next();
    let r = t
        .give_back(
            &returned,
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 299 }]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let again = t
        .app
        .post(
            &t.cashier,
            &void(&voided),
            void_body(&t, Some(approval("4321"))),
        )
        .await;
    let partly = t
        .app
        .post(
            &t.cashier,
            &void(&returned),
            void_body(&t, Some(approval("4321"))),
        )
        .await;

    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "sale_already_voided"),
        "{}",
        again.body
    );
    assert_eq!(
        (partly.status, partly.code()),
        (StatusCode::CONFLICT, "sale_partly_returned")
    );
    // Returning a line of the voided sale says why, too (not that the line was exceeded).
    let line_of_voided = t
        .give_back(
            &voided,
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "cash", "amount_minor": 299 }]),
            None,
        )
        .await;
    assert_eq!(
        (line_of_voided.status, line_of_voided.code()),
        (StatusCode::CONFLICT, "sale_already_voided"),
        "{}",
        line_of_voided.body
    );
}

async fn exchange_credit_is_spent_once(backend: Backend) {
    let t = till(backend).await;
    let sale = id(&t
        .sell(
            2,
            json!([{ "kind": "cash", "tendered_minor": 598 }]),
            json!({}),
        )
        .await);
    let r = t
        .give_back(
            &sale,
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "other", "method": "exchange", "amount_minor": 299 }]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let credit = r.body["id"].as_str().expect("return id").to_owned();
    let pay = |amount: i64, reference: &str| json!([{ "kind": "other", "method": "exchange", "amount_minor": amount, "reference": reference }, { "kind": "cash", "tendered_minor": 598 - amount }]);
    let r = t.sell(2, pay(299, "not-a-return"), json!({})).await;
    assert_eq!(
        (r.status, r.code(), r.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "exchange_credit_unavailable",
            "payments[0]"
        )
    );
    let r = t.sell(2, pay(299, &credit), json!({})).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the new item is paid with the credit and cash: {}",
        r.body
    );
    let r = t.sell(2, pay(1, &credit), json!({})).await;
    assert_eq!(
        r.code(),
        "exchange_credit_unavailable",
        "credit is spent only once"
    );
}

async fn loyalty_points_never_go_below_zero(backend: Backend) {
    let t = till(backend).await;
    let customer = id(&t
        .app
        .post(
            &t.cashier,
            "/api/customers",
            json!({ "email": "ana@example.com" }),
        )
        .await);
    // 10 rice = 29.90 earns 29 points.
    let r = t
        .sell(
            10,
            json!([{ "kind": "cash", "tendered_minor": 2990 }]),
            json!({ "customer_id": customer }),
        )
        .await;
    assert_eq!(r.body["points_earned"], 29, "{}", r.body);
    let loyalty = |points: i64| json!([{ "kind": "other", "method": "loyalty", "amount_minor": points }, { "kind": "cash", "tendered_minor": 299 - points }]);
    let r = t
        .sell(
            1,
            loyalty(30),
            json!({ "customer_id": customer, "redeem_points": 30 }),
        )
        .await;
    assert_eq!(
        (r.status, r.code(), r.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "insufficient_points",
            "redeem_points"
        )
    );
    let r = t
        .sell(
            1,
            loyalty(20),
            json!({ "customer_id": customer, "redeem_points": 10 }),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "loyalty_mismatch")
    );
    let r = t.sell(1, loyalty(10), json!({ "redeem_points": 10 })).await;
    assert_eq!(r.code(), "customer_required");
    let r = t
        .sell(
            1,
            loyalty(10),
            json!({ "customer_id": uuid::Uuid::now_v7(), "redeem_points": 10 }),
        )
        .await;
    assert_eq!((r.code(), r.field()), ("unknown_customer", "customer_id"));
    let r = t
        .sell(
            1,
            loyalty(29),
            json!({ "customer_id": customer, "redeem_points": 29 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let points = t
        .app
        .get(&t.cashier, &format!("/api/customers/{customer}/points"))
        .await;
    // 29 earned − 29 redeemed + 2 earned on the 2.70 paid in cash.
    assert_eq!(points.body["balance"], 2);
    // Returning the 10 rice would take back 29 points; only the 2 left go.
    let first = t
        .app
        .get(&t.cashier, &format!("/api/customers/{customer}/sales"))
        .await;
    let first_sale = first.body["items"]
        .as_array()
        .expect("items")
        .last()
        .expect("first")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = t
        .give_back(
            &first_sale,
            json!([{ "line_no": 0, "quantity": 10 }]),
            json!([{ "kind": "cash", "amount_minor": 2990 }]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["points_reversed"], 2);
    let points = t
        .app
        .get(&t.cashier, &format!("/api/customers/{customer}/points"))
        .await;
    assert_eq!(points.body["balance"], 0);
}

async fn a_return_gives_redeemed_points_back_before_taking_earned_ones(backend: Backend) {
    // Arrange: 10 rice earn 29 points; 1 rice paid with those 29 points and 2.70 cash earns
    // 2; returning the 10 rice takes those 2 back, so the balance is 0.
    let t = till(backend).await;
    let customer = id(&t
        .app
        .post(
            &t.cashier,
            "/api/customers",
            json!({ "email": "bo@example.com" }),
        )
        .await);
    let earned = id(&t
        .sell(
            10,
            json!([{ "kind": "cash", "tendered_minor": 2990 }]),
            json!({ "customer_id": customer }),
        )
        .await);
    let redeemed = t
        .sell(
            1,
            json!([{ "kind": "other", "method": "loyalty", "amount_minor": 29 }, { "kind": "cash", "tendered_minor": 270 }]),
            json!({ "customer_id": customer, "redeem_points": 29 }),
        )
        .await;
    assert_eq!(redeemed.body["points_earned"], 2, "{}", redeemed.body);
    let redeemed = id(&redeemed);
    let r = t
        .give_back(
            &earned,
            json!([{ "line_no": 0, "quantity": 10 }]),
            json!([{ "kind": "cash", "amount_minor": 2990 }]),
            None,
        )
        .await;
    assert_eq!(r.body["points_reversed"], 2, "{}", r.body);
    let balance = || async {
        t.app
            .get(&t.cashier, &format!("/api/customers/{customer}/points"))
            .await
            .body["balance"]
            .as_i64()
            .expect("balance")
    };
    assert_eq!(balance().await, 0);

    // Act: return the item paid with points.
    let r = t
        .give_back(
            &redeemed,
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "other", "method": "loyalty", "amount_minor": 29 }, { "kind": "cash", "amount_minor": 270 }]),
            None,
        )
        .await;

    // Assert: the 29 points come back and the 2 the purchase earned go: 27, not 29.
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["points_reversed"], 2);
    assert_eq!(balance().await, 27);
}

async fn shifts_refuse_what_a_drawer_cannot_do(backend: Backend) {
    let t = till(backend).await;
    let path = format!("/api/stores/{}/shifts", t.store);
    let r = t
        .app
        .post(
            &t.cashier,
            &path,
            json!({ "terminal_id": t.terminal, "opening_float_minor": -1 }),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "opening_float_minor")
    );
    let shift = id(&t
        .app
        .post(
            &t.cashier,
            &path,
            json!({ "terminal_id": t.terminal, "opening_float_minor": 5000 }),
        )
        .await);
    let r = t
        .app
        .post(
            &t.cashier,
            &path,
            json!({ "terminal_id": t.terminal, "opening_float_minor": 5000 }),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "shift_already_open")
    );
    let events = format!("{path}/{shift}/cash-events");
    for (body, code) in [
        (
            json!({ "kind": "paid_in", "amount_minor": 0 }),
            "invalid_amount",
        ),
        (
            json!({ "kind": "paid_out", "amount_minor": -5 }),
            "invalid_amount",
        ),
        (
            json!({ "kind": "no_sale", "amount_minor": 5 }),
            "invalid_amount",
        ),
        (json!({ "kind": "tip", "amount_minor": 5 }), "invalid_kind"),
    ] {
        let r = t.app.post(&t.cashier, &events, body.clone()).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, code),
            "{body}"
        );
    }
    // Another cashier of the store cannot close someone else's shift.
    let other = t.app.login("cashier2.ber@demo.local").await;
    let r = t
        .app
        .post(
            &other,
            &format!("{path}/{shift}/close"),
            json!({ "counted_cash_minor": 5000 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let z = t
        .app
        .post(
            &t.cashier,
            &format!("{path}/{shift}/close"),
            json!({ "counted_cash_minor": 5000 }),
        )
        .await;
    assert_eq!(z.body["report"]["cash_difference_minor"], 0, "{}", z.body);
    let r = t
        .app
        .post(&t.cashier, &events, json!({ "kind": "no_sale" }))
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "shift_closed"));
}

async fn the_z_report_counts_exchange_credit_as_an_other_refund(backend: Backend) {
    // Arrange: a shift in which 2 rice are sold for cash, one comes back as exchange credit,
    // and the credit pays for another rice.
    let t = till(backend).await;
    let path = format!("/api/stores/{}/shifts", t.store);
    let shift = id(&t
        .app
        .post(
            &t.cashier,
            &path,
            json!({ "terminal_id": t.terminal, "opening_float_minor": 5000 }),
        )
        .await);
    let sale = id(&t
        .sell(
            2,
            json!([{ "kind": "cash", "tendered_minor": 598 }]),
            json!({}),
        )
        .await);
    let r = t
        .give_back(
            &sale,
            json!([{ "line_no": 0, "quantity": 1 }]),
            json!([{ "kind": "other", "method": "exchange", "amount_minor": 299 }]),
            None,
        )
        .await;
    let credit = id(&r);
    let r = t
        .sell(
            1,
            json!([{ "kind": "other", "method": "exchange", "amount_minor": 299, "reference": credit }]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Act
    let z = t
        .app
        .get(&t.cashier, &format!("{path}/{shift}/report"))
        .await
        .body;

    // Assert: the credit is an `other` refund, and the tenders add up to the refunds.
    assert_eq!(z["refunds_minor"], 299, "{z}");
    assert_eq!(z["other"]["refunds_minor"], 299, "{z}");
    assert_eq!(z["other"]["sales_minor"], 299);
    assert_eq!(z["other"]["net_minor"], 0);
    let refunds: i64 = ["cash", "card", "other"]
        .iter()
        .map(|t| z[t]["refunds_minor"].as_i64().expect("refunds"))
        .sum();
    assert_eq!(refunds, 299);
    assert_eq!(z["cash"]["refunds_minor"], 0);
    assert_eq!(
        z["expected_cash_minor"],
        5000 + 598,
        "no cash left the drawer"
    );
}

async fn transfers_and_purchase_orders_refuse_impossible_quantities(backend: Backend) {
    let t = till(backend).await;
    let par = t.app.store_id("PAR").await;
    let ber = &t.store;
    let send = |to: &str, qty: i64| json!({ "to_store_id": to, "lines": [{ "product_id": t.rice, "quantity": qty }] });
    let r = t
        .app
        .post(
            &t.admin,
            &format!("/api/stores/{ber}/transfers"),
            send(ber, 1),
        )
        .await;
    assert_eq!((r.code(), r.field()), ("same_store", "to_store_id"));
    let r = t
        .app
        .post(
            &t.admin,
            &format!("/api/stores/{ber}/transfers"),
            send(&par, 0),
        )
        .await;
    assert_eq!(
        (r.code(), r.field()),
        ("invalid_quantity", "lines[0].quantity")
    );
    let transfer = id(&t
        .app
        .post(
            &t.admin,
            &format!("/api/stores/{ber}/transfers"),
            send(&par, 3),
        )
        .await);
    let receive = format!("/api/stores/{par}/transfers/{transfer}/receive");
    let r = t
        .app
        .post(
            &t.admin,
            &receive,
            json!({ "lines": [{ "product_id": t.rice, "quantity": 4 }] }),
        )
        .await;
    assert_eq!(
        (r.code(), r.field()),
        ("invalid_quantity", "lines[0].quantity")
    );
    let r = t
        .app
        .post(
            &t.admin,
            &format!("/api/stores/{ber}/transfers/{transfer}/receive"),
            json!({}),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "wrong_store"));
    assert_eq!(
        t.app.post(&t.admin, &receive, json!({})).await.status,
        StatusCode::OK
    );
    let r = t.app.post(&t.admin, &receive, json!({})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "transfer_received")
    );

    let supplier = id(&t
        .app
        .post(&t.admin, "/api/suppliers", json!({ "name": "Reis GmbH" }))
        .await);
    let orders = format!("/api/stores/{ber}/purchase-orders");
    let r = t.app.post(&t.admin, &orders, json!({ "supplier_id": uuid::Uuid::now_v7(), "lines": [{ "product_id": t.rice, "quantity": 1 }] })).await;
    assert_eq!(r.code(), "unknown_supplier");
    let po = id(&t.app.post(&t.admin, &orders, json!({ "supplier_id": supplier, "lines": [{ "product_id": t.rice, "quantity": 10, "unit_cost_minor": 100 }] })).await);
    let receipts = format!("{orders}/{po}/receipts");
    let r = t
        .app
        .post(
            &t.admin,
            &receipts,
            json!({ "lines": [{ "product_id": t.rice, "quantity": 11 }] }),
        )
        .await;
    assert_eq!(
        (r.code(), r.field()),
        ("invalid_quantity", "lines[0].quantity")
    );
    let before = t.on_hand().await;
    let r = t
        .app
        .post(
            &t.admin,
            &receipts,
            json!({ "lines": [{ "product_id": t.rice, "quantity": 4 }] }),
        )
        .await;
    assert_eq!(r.body["status"], "partially_received", "{}", r.body);
    let r = t
        .app
        .post(
            &t.admin,
            &receipts,
            json!({ "lines": [{ "product_id": t.rice, "quantity": 6 }] }),
        )
        .await;
    assert_eq!(r.body["status"], "received");
    assert_eq!(t.on_hand().await, before + 10);
    let r = t
        .app
        .post(
            &t.admin,
            &receipts,
            json!({ "lines": [{ "product_id": t.rice, "quantity": 1 }] }),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "purchase_order_closed")
    );
    let r = t
        .app
        .post(&t.admin, &format!("{orders}/{po}/cancel"), json!({}))
        .await;
    assert_eq!(r.code(), "purchase_order_closed");
}

async fn customers_are_found_by_phone_and_erased_on_request(backend: Backend) {
    let t = till(backend).await;
    let c = id(&t
        .app
        .post(
            &t.cashier,
            "/api/customers",
            json!({ "name": "Bea Koch", "phone": "+49 (30) 555-0100", "email": "Bea@Example.com" }),
        )
        .await);
    let r = t
        .app
        .post(
            &t.cashier,
            "/api/customers",
            json!({ "phone": "+4930 5550100" }),
        )
        .await;
    assert_eq!(
        (r.status, r.code(), r.field()),
        (StatusCode::CONFLICT, "customer_phone_taken", "phone")
    );
    let r = t
        .app
        .post(
            &t.cashier,
            "/api/customers",
            json!({ "note": "no way to reach them" }),
        )
        .await;
    assert_eq!(r.code(), "customer_empty");
    let r = t
        .app
        .post(
            &t.cashier,
            "/api/customers",
            json!({ "email": "not an email" }),
        )
        .await;
    assert_eq!(r.field(), "email");
    let found = t
        .app
        .get(&t.cashier, "/api/customers?q=%2B49%2030%20555")
        .await;
    assert_eq!(found.body["items"][0]["id"], json!(c), "{}", found.body);
    assert_eq!(found.body["items"][0]["email"], "bea@example.com");
    // Erase: cashiers may not; managers may; the data is gone, the row stays anonymous.
    assert_eq!(
        t.app
            .call(
                &t.cashier,
                Method::DELETE,
                &format!("/api/customers/{c}"),
                None
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let manager = t.app.login("manager.ber@demo.local").await;
    assert_eq!(
        t.app
            .call(
                &manager,
                Method::DELETE,
                &format!("/api/customers/{c}"),
                None
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let gone = t.app.get(&manager, &format!("/api/customers/{c}")).await;
    assert_eq!(
        (gone.body["name"].clone(), gone.body["phone"].clone()),
        (Value::Null, Value::Null)
    );
    assert!(gone.body["erased_at"].is_string());
    let export = t
        .app
        .get(&manager, &format!("/api/customers/{c}/export"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        !export.body.to_string().contains("Bea"),
        "nothing personal remains"
    );
    let other = t.app.other_org_admin().await;
    assert_eq!(
        t.app
            .get(&other, &format!("/api/customers/{c}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
