//! Per-process caches that keep thousands of connections from asking the database the same
//! questions: the session re-check (one answer per user session per re-check interval, shared
//! by every connection of that session) and which organisation a store belongs to (which never
//! changes).

use chainsync_domain::access::Principal;
use chainsync_domain::ids::{OrgId, StoreId, UserId};
use chainsync_storage::{Db, StorageResult, stores};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A session: user, refresh-token family, and the issue time of the token it opened with.
pub type SessionKey = (UserId, uuid::Uuid, i64);

/// Entries beyond this trigger a sweep of stale ones.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Default)]
pub struct Caches {
    sessions: Mutex<HashMap<SessionKey, (Instant, Option<Principal>)>>,
    store_orgs: Mutex<HashMap<StoreId, OrgId>>,
}

impl Caches {
    /// A re-check answer younger than `ttl`: `Some(None)` means "session ended".
    pub fn session(&self, key: &SessionKey, ttl: Duration) -> Option<Option<Principal>> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .get(key)
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, p)| p.clone())
    }

    pub fn remember_session(&self, key: SessionKey, principal: Option<Principal>, ttl: Duration) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= SWEEP_AT {
            sessions.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        sessions.insert(key, (Instant::now(), principal));
    }

    pub fn store_org(&self, store: StoreId) -> Option<OrgId> {
        let orgs = self.store_orgs.lock().unwrap_or_else(|e| e.into_inner());
        orgs.get(&store).copied()
    }

    pub fn remember_store_org(&self, store: StoreId, org: OrgId) {
        let mut orgs = self.store_orgs.lock().unwrap_or_else(|e| e.into_inner());
        orgs.insert(store, org);
    }

    /// The organisation of `store` if it is `org`'s: from the cache, or read (only within
    /// `org`, so no one learns of another organisation's store) and then cached. `None`: not
    /// a store of `org`.
    pub async fn store_of_org(
        &self,
        db: &Db,
        org: OrgId,
        store: StoreId,
    ) -> StorageResult<Option<OrgId>> {
        if let Some(cached) = self.store_org(store) {
            return Ok((cached == org).then_some(cached));
        }
        let found = stores::get(&mut *db.conn().await?, org, store)
            .await?
            .map(|s| s.org_id);
        if let Some(found) = found {
            self.remember_store_org(store, found);
        }
        Ok(found)
    }
}
