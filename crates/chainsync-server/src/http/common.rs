//! Small pieces every resource module uses: pagination parameters, time formatting, and the
//! audit-row builder.

use super::error::ApiError;
use super::session::Session;
use chainsync_domain::ids::{AuditId, OrgId, UserId};
use chainsync_storage::audit::AuditRecord;
use chainsync_storage::now_ms;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use std::str::FromStr;
use utoipa::IntoParams;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::unprocessable(
                "invalid_limit",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )
            .field("limit")),
        }
    }

    /// The cursor parsed as the id type of the list.
    pub fn cursor<T: FromStr>(&self) -> Result<Option<T>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<T>().map_err(|_| {
                    ApiError::bad_request("invalid_cursor", "the cursor is not valid")
                        .field("cursor")
                })
            })
            .transpose()
    }
}

/// Epoch milliseconds as an RFC 3339 UTC time.
pub fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Builds audit rows with the fields every entry shares.
#[derive(Debug, Clone)]
pub struct Auditor {
    org: Option<OrgId>,
    actor: Option<UserId>,
    label: Option<String>,
    ip: Option<String>,
}

impl Auditor {
    pub fn for_session(session: &Session, ip: Option<String>) -> Self {
        Auditor {
            org: Some(session.user.org_id),
            actor: Some(session.user.id),
            label: Some(session.user.email.clone()),
            ip,
        }
    }

    /// For events without a signed-in actor (login attempts): `label` is the email used.
    pub fn anonymous(
        org: Option<OrgId>,
        actor: Option<UserId>,
        label: &str,
        ip: Option<String>,
    ) -> Self {
        Auditor {
            org,
            actor,
            label: Some(label.to_owned()),
            ip,
        }
    }

    pub fn entry(
        &self,
        action: &str,
        target: Option<(&str, String)>,
        details: serde_json::Value,
    ) -> AuditRecord {
        let (target_type, target_id) = match target {
            Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
            None => (None, None),
        };
        AuditRecord {
            id: AuditId::new(),
            org_id: self.org,
            at: now_ms(),
            actor_user_id: self.actor,
            actor_label: self.label.clone(),
            action: action.to_owned(),
            target_type,
            target_id,
            source_ip: self.ip.clone(),
            details,
        }
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// `{field: {"from": old, "to": new}}` for every top-level field that differs, except `skip`.
pub fn diff(
    before: &serde_json::Value,
    after: &serde_json::Value,
    skip: &[&str],
) -> serde_json::Map<String, serde_json::Value> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return Default::default();
    };
    a.iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && b.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), serde_json::json!({ "from": b.get(k), "to": v })))
        .collect()
}
