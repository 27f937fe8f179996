//! Real-time rules: which domain event becomes which live event (type, priority, title,
//! audience), which channels exist and who may subscribe to them, and which live events become
//! *notifications* for a user given their preferences.
//!
//! Terms:
//! - A **domain event** is a row of the transactional outbox (`sale.completed`, ...).
//! - A **live event** is what subscribers of a channel receive: one of four [`EventType`]s with a
//!   [`Priority`]. Every domain event becomes exactly one live event on its store's channel (or
//!   the organisation's channel when it has no store), so the channel stream is complete.
//! - A **notification** is a live event stored for one recipient with read state. Preferences
//!   decide which events become notifications; they never remove events from a channel.
//!
//! Invariant: [`classify`] is total — an unknown kind still becomes a `system_alert`, so a new
//! domain event can never be silently dropped by the hub.

use crate::ValidationError;
use crate::access::{Principal, Role};
use crate::ids::{OrgId, StoreId, UserId};
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// What kind of thing happened, as the web app groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    InventoryAlert,
    SalesUpdate,
    SystemAlert,
    AiInsight,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        EventType::InventoryAlert,
        EventType::SalesUpdate,
        EventType::SystemAlert,
        EventType::AiInsight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::InventoryAlert => "inventory_alert",
            EventType::SalesUpdate => "sales_update",
            EventType::SystemAlert => "system_alert",
            EventType::AiInsight => "ai_insight",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How urgent an event is; ordered `low < medium < high < critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Critical,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Critical,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// A channel a client can subscribe to. Names on the wire: `store:<uuid>`, `user:<uuid>`,
/// `org:<uuid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Store(StoreId),
    User(UserId),
    Org(OrgId),
}

impl Channel {
    /// Parses a wire name; `None` for anything malformed. The id must be spelled as the API
    /// spells ids (lower-case, hyphenated): a channel's name is its key for offsets and
    /// history, so `store:{ID}` in another spelling would be another, silent stream.
    pub fn parse(s: &str) -> Option<Channel> {
        let (kind, id) = s.split_once(':')?;
        let uuid: uuid::Uuid = id.parse().ok()?;
        if uuid.hyphenated().to_string() != id {
            return None;
        }
        match kind {
            "store" => Some(Channel::Store(StoreId(uuid))),
            "user" => Some(Channel::User(UserId(uuid))),
            "org" => Some(Channel::Org(OrgId(uuid))),
            _ => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Store(id) => write!(f, "store:{id}"),
            Channel::User(id) => write!(f, "user:{id}"),
            Channel::Org(id) => write!(f, "org:{id}"),
        }
    }
}

/// Why a subscription is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Another organisation's channel, or a store/user that does not exist for this principal:
    /// answered like a missing resource, so existence is not revealed.
    NotFound,
    /// A channel of the principal's organisation their role may not read.
    Forbidden,
}

/// May `who` subscribe to `channel`? `store_org` is the organisation of the store when the
/// channel is a store channel and the store exists.
///
/// Store channels: admins, and anyone with a role in that store (cashiers see their own
/// store's sales and stock). User channels: only that user. The organisation channel (system
/// alerts for the whole chain): admins and managers.
pub fn may_subscribe(
    who: &Principal,
    channel: Channel,
    store_org: Option<OrgId>,
) -> Result<(), Refusal> {
    match channel {
        Channel::Store(store) => {
            if store_org != Some(who.org_id) {
                return Err(Refusal::NotFound);
            }
            if who.can_view_store(store) {
                Ok(())
            } else {
                Err(Refusal::Forbidden)
            }
        }
        Channel::User(user) => {
            if user == who.user_id {
                Ok(())
            } else {
                Err(Refusal::NotFound)
            }
        }
        Channel::Org(org) => {
            if org != who.org_id {
                Err(Refusal::NotFound)
            } else if who.is_org_admin || who.managed_stores().next().is_some() {
                Ok(())
            } else {
                Err(Refusal::Forbidden)
            }
        }
    }
}

/// Who a live event is meant for, before preferences: the people who act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Admins and the store's managers.
    StoreManagers,
    /// Admins only.
    Admins,
    /// Nobody: routine traffic that stays on the channel only (e.g. every single sale).
    Nobody,
}

/// A domain event, classified.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub event_type: EventType,
    pub priority: Priority,
    pub title: String,
    pub message: String,
    pub audience: Audience,
}

fn text(payload: &Value, key: &str) -> String {
    match payload.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn money(payload: &Value) -> String {
    let minor = payload
        .get("total_minor")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let currency = text(payload, "currency");
    format!("{} {currency}", minor_text(minor))
        .trim()
        .to_owned()
}

/// `-250` → `-2.50`.
fn minor_text(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Maps a domain event to its live event. Total: unknown kinds become a low `system_alert`
/// (or `ai_insight` for the `insight.`/`anomaly.`/`forecast.` families), never nothing.
pub fn classify(kind: &str, payload: &Value) -> Classified {
    use Audience::*;
    use EventType::*;
    use Priority::*;
    let c = |event_type, priority, title: String, message: String, audience| Classified {
        event_type,
        priority,
        title,
        message,
        audience,
    };
    match kind {
        "sale.completed" => c(
            SalesUpdate,
            Low,
            "Sale completed".into(),
            format!(
                "Receipt {} for {}",
                text(payload, "receipt_number"),
                money(payload)
            ),
            Nobody,
        ),
        "sale.flagged" => c(
            SalesUpdate,
            Medium,
            "Sale flagged for review".into(),
            format!(
                "Sale {} differs from today's prices",
                text(payload, "sale_id")
            ),
            StoreManagers,
        ),
        "sale.quarantined" => c(
            SystemAlert,
            High,
            "Sale from a revoked terminal".into(),
            format!(
                "Terminal {} sent a sale after it was revoked; it awaits review",
                text(payload, "terminal_id")
            ),
            StoreManagers,
        ),
        "stock.below_reorder_point" => c(
            InventoryAlert,
            Medium,
            "Stock below reorder point".into(),
            format!(
                "Product {}: {} on hand (reorder point {})",
                text(payload, "product_id"),
                text(payload, "on_hand"),
                text(payload, "reorder_point")
            ),
            StoreManagers,
        ),
        "stock.oversold" => c(
            InventoryAlert,
            High,
            "Stock oversold".into(),
            format!(
                "Product {} went below zero ({} on hand)",
                text(payload, "product_id"),
                text(payload, "on_hand")
            ),
            StoreManagers,
        ),
        "return.completed" => c(
            SalesUpdate,
            Low,
            "Return completed".into(),
            format!("Refund of {}", money(payload)),
            Nobody,
        ),
        "sale.voided" => c(
            SalesUpdate,
            Medium,
            "Sale voided".into(),
            format!(
                "Sale {} was voided ({})",
                text(payload, "sale_id"),
                money(payload)
            ),
            StoreManagers,
        ),
        "return.quarantined" => c(
            SystemAlert,
            High,
            "Return from a revoked terminal".into(),
            format!(
                "Terminal {} sent a return after it was revoked; it awaits review",
                text(payload, "terminal_id")
            ),
            StoreManagers,
        ),
        "model.degraded" => c(
            SystemAlert,
            High,
            "Forecast model degraded".into(),
            format!(
                "Model v{} for {}: live MASE {} against backtest {}; consider a rollback",
                text(payload, "version"),
                text(payload, "product_name"),
                text(payload, "live_mase"),
                text(payload, "backtest_mase")
            ),
            StoreManagers,
        ),
        "shift.closed" => {
            let difference = payload
                .get("cash_difference_minor")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if difference == 0 {
                c(
                    SalesUpdate,
                    Low,
                    "Shift closed".into(),
                    "A till shift was closed; the cash matched".into(),
                    Nobody,
                )
            } else {
                c(
                    SystemAlert,
                    High,
                    "Cash discrepancy at shift close".into(),
                    format!(
                        "Counted cash differs from expected by {}",
                        minor_text(difference)
                    ),
                    StoreManagers,
                )
            }
        }
        "transfer.discrepancy" => c(
            InventoryAlert,
            High,
            "Transfer received with discrepancies".into(),
            format!(
                "Transfer {} arrived with different quantities than dispatched",
                text(payload, "transfer_id")
            ),
            StoreManagers,
        ),
        "announcement" => {
            let priority = payload
                .get("priority")
                .and_then(Value::as_str)
                .and_then(Priority::parse)
                .unwrap_or(Medium);
            let audience = if payload.get("store_id").is_some_and(|s| !s.is_null()) {
                StoreManagers
            } else {
                Admins
            };
            c(
                SystemAlert,
                priority,
                text(payload, "title"),
                text(payload, "message"),
                audience,
            )
        }
        _ if kind.starts_with("transfer.") || kind.starts_with("purchase_order.") => {
            c(InventoryAlert, Low, humanise(kind), humanise(kind), Nobody)
        }
        _ if kind.starts_with("insight.")
            || kind.starts_with("anomaly.")
            || kind.starts_with("forecast.") =>
        {
            c(
                AiInsight,
                Medium,
                humanise(kind),
                humanise(kind),
                StoreManagers,
            )
        }
        _ if kind.starts_with("price.")
            || kind.starts_with("product.")
            || kind.starts_with("catalog.")
            || kind.starts_with("promotion.") =>
        {
            c(SystemAlert, Low, humanise(kind), humanise(kind), Nobody)
        }
        _ => c(SystemAlert, Low, humanise(kind), humanise(kind), Nobody),
    }
}

/// `stock.below_reorder_point` → `Stock below reorder point`.
fn humanise(kind: &str) -> String {
    let words = kind.replace(['.', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The facts about a recipient the preference check needs.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: UserId,
    pub is_org_admin: bool,
    /// Stores the user manages (for store audiences).
    pub managed: Vec<StoreId>,
}

impl Recipient {
    /// Is this user in `audience` for an event of `store`?
    pub fn in_audience(&self, audience: Audience, store: Option<StoreId>) -> bool {
        match audience {
            Audience::Nobody => false,
            Audience::Admins => self.is_org_admin,
            Audience::StoreManagers => {
                self.is_org_admin || store.is_some_and(|s| self.managed.contains(&s))
            }
        }
    }
}

/// A user's notification preferences. Absent fields take the defaults below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Event types that become notifications (default: all four).
    #[serde(default = "all_types")]
    pub event_types: Vec<EventType>,
    /// Events below this priority do not become notifications (default `medium`).
    #[serde(default = "default_priority")]
    pub min_priority: Priority,
    /// Only events of these stores (or without a store) become notifications; `null` means
    /// every store the user may see.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub stores: Option<Vec<StoreId>>,
    /// Quiet hours: `{"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"}`. During
    /// them notifications are stored but not pushed (no toast, no browser notification),
    /// except `critical` ones.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// Show browser (system) notifications for pushed events of priority `critical`.
    #[serde(default)]
    pub browser_notifications: bool,
}

/// A daily window, in a timezone; `start > end` wraps midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// `HH:MM`, 24-hour clock.
    pub start: String,
    /// `HH:MM`, 24-hour clock.
    pub end: String,
    /// IANA timezone name; default `UTC`.
    #[serde(default = "utc")]
    pub timezone: String,
}

fn all_types() -> Vec<EventType> {
    EventType::ALL.to_vec()
}
fn default_priority() -> Priority {
    Priority::Medium
}
fn utc() -> String {
    "UTC".into()
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            event_types: all_types(),
            min_priority: default_priority(),
            stores: None,
            quiet_hours: None,
            browser_notifications: false,
        }
    }
}

/// What a user's preferences make of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Not a notification for this user (it stays on the channel).
    Skip,
    /// Stored; `push` says whether it is pushed live (toast, browser notification).
    Notify { push: bool },
}

fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .ok()
        .filter(|_| s.len() == 5)
}

impl Preferences {
    /// Checks the values a client sent (the shape is checked by deserialisation).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(q) = &self.quiet_hours {
            if parse_hhmm(&q.start).is_none() {
                return Err(
                    ValidationError::new("invalid_time", "use HH:MM, 00:00 to 23:59")
                        .at("quiet_hours.start"),
                );
            }
            if parse_hhmm(&q.end).is_none() {
                return Err(
                    ValidationError::new("invalid_time", "use HH:MM, 00:00 to 23:59")
                        .at("quiet_hours.end"),
                );
            }
            if q.timezone.parse::<chrono_tz::Tz>().is_err() {
                return Err(ValidationError::new(
                    "invalid_timezone",
                    "use an IANA timezone name such as Europe/Berlin",
                )
                .at("quiet_hours.timezone"));
            }
        }
        if self.stores.as_ref().is_some_and(|s| s.len() > 1000) {
            return Err(
                ValidationError::new("too_many_stores", "at most 1000 stores").at("stores"),
            );
        }
        Ok(())
    }

    /// Is `at` inside the quiet hours?
    pub fn is_quiet(&self, at: DateTime<Utc>) -> bool {
        let Some(q) = &self.quiet_hours else {
            return false;
        };
        let (Some(start), Some(end), Ok(tz)) = (
            parse_hhmm(&q.start),
            parse_hhmm(&q.end),
            q.timezone.parse::<chrono_tz::Tz>(),
        ) else {
            return false;
        };
        let local = at.with_timezone(&tz).time();
        if start <= end {
            local >= start && local < end
        } else {
            local >= start || local < end
        }
    }

    /// Decides whether an event becomes a notification, and whether it is pushed.
    pub fn decide(
        &self,
        event_type: EventType,
        priority: Priority,
        store: Option<StoreId>,
        at: DateTime<Utc>,
    ) -> Decision {
        if !self.event_types.contains(&event_type) || priority < self.min_priority {
            return Decision::Skip;
        }
        if let (Some(stores), Some(store)) = (&self.stores, store)
            && !stores.contains(&store)
        {
            return Decision::Skip;
        }
        let push = priority == Priority::Critical || !self.is_quiet(at);
        Decision::Notify { push }
    }
}

/// The stores a principal manages, as recipients need them.
pub fn recipient_of(principal: &Principal) -> Recipient {
    Recipient {
        user_id: principal.user_id,
        is_org_admin: principal.is_org_admin,
        managed: principal
            .memberships
            .iter()
            .filter(|m| m.role == Role::Manager)
            .map(|m| m.store_id)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Membership;
    use chrono::TimeZone;
    use serde_json::json;

    fn principal(admin: bool, memberships: Vec<Membership>) -> Principal {
        Principal {
            user_id: UserId(uuid::Uuid::now_v7()),
            org_id: OrgId(uuid::Uuid::from_u128(1)),
            is_org_admin: admin,
            memberships,
        }
    }

    #[test]
    fn channel_names_round_trip_and_reject_garbage() {
        let store = StoreId(uuid::Uuid::now_v7());
        let name = Channel::Store(store).to_string();
        assert_eq!(Channel::parse(&name), Some(Channel::Store(store)));
        for bad in [
            "",
            "store",
            "store:",
            "store:xyz",
            "shop:1",
            ":",
            "user:1:2",
        ] {
            assert_eq!(Channel::parse(bad), None, "{bad}");
        }
        // The same id spelled another way would be another channel: refused.
        let id = store.0;
        for other in [
            format!("store:{}", id.hyphenated().to_string().to_uppercase()),
            format!("store:{}", id.simple()),
            format!("store:{}", id.braced()),
            format!("store:{}", id.urn()),
        ] {
            assert_eq!(Channel::parse(&other), None, "{other}");
        }
    }

    #[test]
    fn cashiers_read_their_store_but_not_others_nor_the_org_channel() {
        let ber = StoreId(uuid::Uuid::now_v7());
        let par = StoreId(uuid::Uuid::now_v7());
        let cashier = principal(
            false,
            vec![Membership {
                store_id: ber,
                role: Role::Cashier,
            }],
        );
        let org = Some(cashier.org_id);
        assert_eq!(may_subscribe(&cashier, Channel::Store(ber), org), Ok(()));
        assert_eq!(
            may_subscribe(&cashier, Channel::Store(par), org),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            may_subscribe(&cashier, Channel::Org(cashier.org_id), None),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            may_subscribe(
                &cashier,
                Channel::Store(ber),
                Some(OrgId(uuid::Uuid::from_u128(2)))
            ),
            Err(Refusal::NotFound)
        );
        assert_eq!(
            may_subscribe(&cashier, Channel::User(UserId(uuid::Uuid::now_v7())), None),
            Err(Refusal::NotFound)
        );
        assert_eq!(
            may_subscribe(&cashier, Channel::User(cashier.user_id), None),
            Ok(())
        );
    }

    #[test]
    fn every_kind_is_classified_and_unknown_kinds_are_system_alerts() {
        let sale = classify(
            "sale.completed",
            &json!({"receipt_number": "BER-T1-7", "total_minor": 1250, "currency": "EUR"}),
        );
        assert_eq!(sale.event_type, EventType::SalesUpdate);
        assert_eq!(sale.message, "Receipt BER-T1-7 for 12.50 EUR");
        assert_eq!(
            classify("stock.oversold", &json!({})).priority,
            Priority::High
        );
        let unknown = classify("warehouse.flooded", &json!({}));
        assert_eq!(
            (unknown.event_type, unknown.priority, unknown.title.as_str()),
            (EventType::SystemAlert, Priority::Low, "Warehouse flooded")
        );
        assert_eq!(
            classify("anomaly.sales_spike", &json!({})).event_type,
            EventType::AiInsight
        );
        let degraded = classify(
            "model.degraded",
            &json!({"version": 3, "product_name": "Milk", "live_mase": 1.9, "backtest_mase": 0.8}),
        );
        assert_eq!(
            (degraded.event_type, degraded.priority, degraded.audience),
            (
                EventType::SystemAlert,
                Priority::High,
                Audience::StoreManagers
            )
        );
        assert!(
            degraded.message.contains("v3 for Milk"),
            "{}",
            degraded.message
        );
        let balanced = classify("shift.closed", &json!({"cash_difference_minor": 0}));
        let short = classify("shift.closed", &json!({"cash_difference_minor": -250}));
        assert_eq!(
            (balanced.priority, balanced.audience),
            (Priority::Low, Audience::Nobody)
        );
        assert_eq!(
            (short.event_type, short.priority),
            (EventType::SystemAlert, Priority::High)
        );
        assert_eq!(short.message, "Counted cash differs from expected by -2.50");
        assert_eq!(minor_text(-50), "-0.50");
    }

    #[test]
    fn preferences_filter_by_type_priority_and_store() {
        let ber = StoreId(uuid::Uuid::now_v7());
        let par = StoreId(uuid::Uuid::now_v7());
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let prefs = Preferences {
            event_types: vec![EventType::InventoryAlert],
            min_priority: Priority::High,
            stores: Some(vec![ber]),
            ..Preferences::default()
        };
        let d = |t, p, s| prefs.decide(t, p, Some(s), at);
        assert_eq!(
            d(EventType::InventoryAlert, Priority::High, ber),
            Decision::Notify { push: true }
        );
        assert_eq!(
            d(EventType::InventoryAlert, Priority::Medium, ber),
            Decision::Skip
        );
        assert_eq!(
            d(EventType::SalesUpdate, Priority::High, ber),
            Decision::Skip
        );
        assert_eq!(
            d(EventType::InventoryAlert, Priority::High, par),
            Decision::Skip
        );
    }

    #[test]
    fn quiet_hours_wrap_midnight_in_the_users_timezone_and_let_critical_through() {
        let prefs = Preferences {
            quiet_hours: Some(QuietHours {
                start: "22:00".into(),
                end: "07:00".into(),
                timezone: "Europe/Berlin".into(),
            }),
            ..Preferences::default()
        };
        // 22:30 UTC is 23:30 in Berlin in winter: quiet.
        let night = Utc.with_ymd_and_hms(2026, 1, 1, 22, 30, 0).unwrap();
        // 06:30 UTC is 07:30 in Berlin: not quiet.
        let morning = Utc.with_ymd_and_hms(2026, 1, 1, 6, 30, 0).unwrap();
        assert!(prefs.is_quiet(night));
        assert!(!prefs.is_quiet(morning));
        assert_eq!(
            prefs.decide(EventType::SystemAlert, Priority::High, None, night),
            Decision::Notify { push: false }
        );
        assert_eq!(
            prefs.decide(EventType::SystemAlert, Priority::Critical, None, night),
            Decision::Notify { push: true }
        );
    }

    #[test]
    fn bad_quiet_hours_name_their_field() {
        let mut prefs = Preferences {
            quiet_hours: Some(QuietHours {
                start: "25:00".into(),
                end: "07:00".into(),
                timezone: "UTC".into(),
            }),
            ..Preferences::default()
        };
        assert_eq!(
            prefs.validate().unwrap_err().field.as_deref(),
            Some("quiet_hours.start")
        );
        prefs.quiet_hours = Some(QuietHours {
            start: "22:00".into(),
            end: "07:00".into(),
            timezone: "Mars/Olympus".into(),
        });
        assert_eq!(
            prefs.validate().unwrap_err().field.as_deref(),
            Some("quiet_hours.timezone")
        );
    }
}
