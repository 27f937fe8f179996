//! What authenticating a request loads (the user, their store roles, whether their session was
//! revoked), kept in memory for a moment between requests of the same session.
//!
//! That read was the one database round trip left before a sale's write transaction, and the
//! first of an announcement's (docs/performance.md, "The session cache"). A till sends a sale
//! every few seconds with the same token, so most requests find their session here.
//!
//! Invariants:
//! - **This process's own changes are seen at once.** Every request that may write (any method
//!   but `GET`, `HEAD` and `OPTIONS`), other than the few that cannot touch a user, a role or a
//!   session (ringing up a sale, pricing a cart, an announcement, marking notifications read:
//!   [`KEEPERS`]), empties the cache when it ends, after its commit (see [`InvalidateOnDrop`],
//!   used by the HTTP layer). Deactivating a user, changing a role, a logout, a password change
//!   or reset, a refresh (which may revoke a stolen session) are all such writes. The list is
//!   of routes that keep the cache, not of routes that empty it, so a new route empties it
//!   unless someone decides otherwise. A fill whose database read began before such a change
//!   and finished after it is refused: [`SessionCache::fill`] takes the generation seen before
//!   the read, and every invalidation moves it on.
//! - **Another process's changes are seen within the TTL** ([`DEFAULT_TTL`], one second; set by
//!   `ApiSettings::session_cache_ttl`): several servers on one PostgreSQL, or the `chainsync`
//!   command line on the same database. An open WebSocket re-checks its session far less often
//!   (`realtime.recheck`, 30 s).
//! - **Only what a check needs is cached, never the verdict**: the token itself (signature,
//!   expiry, type) is checked on every request, and the facts are checked against its claims
//!   (issued before `tokens_valid_after`, revoked session, inactive user, other organisation)
//!   on every request, cached or not. A session that was refused is not cached (nothing is
//!   kept for a user that does not exist).
//! - **Bounded**: at most [`MAX_SESSIONS`] entries; past it, expired entries are swept, and if
//!   none had expired the cache starts again empty.

use chainsync_domain::ids::UserId;
use chainsync_storage::users::SessionFacts;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long cached facts are trusted when nothing in this process changed them.
pub const DEFAULT_TTL: Duration = Duration::from_secs(1);

/// The most sessions cached at once.
pub const MAX_SESSIONS: usize = 100_000;

/// The `POST` routes that cannot change a user, a membership or a session, so they leave the
/// cache as it was (the hot ones: a till's sales and cart pricing, announcements, reading
/// notifications).
pub const KEEPERS: [&str; 5] = [
    "/api/stores/{store_id}/sales",
    "/api/stores/{store_id}/price-cart",
    "/api/realtime/announcements",
    "/api/notifications/{notification_id}/read",
    "/api/notifications/read-all",
];

/// A session: the user and their refresh-token family (the token's `sub` and `sid`).
type Key = (UserId, uuid::Uuid);

#[derive(Debug)]
pub struct SessionCache {
    ttl: Duration,
    generation: AtomicU64,
    sessions: Mutex<HashMap<Key, (Instant, SessionFacts)>>,
}

impl SessionCache {
    /// A cache trusting entries for `ttl`; a zero `ttl` caches nothing.
    pub fn new(ttl: Duration) -> SessionCache {
        SessionCache {
            ttl,
            generation: AtomicU64::new(0),
            sessions: Mutex::default(),
        }
    }

    /// The generation to hand to [`SessionCache::fill`]; read it before reading the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets everything, and refuses fills of reads made before now.
    pub fn invalidate(&self) {
        let mut sessions = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        sessions.clear();
    }

    /// The facts of session `sid` of `user`, if cached and fresh.
    pub fn lookup(&self, user: UserId, sid: uuid::Uuid) -> Option<SessionFacts> {
        if self.ttl.is_zero() {
            return None;
        }
        let sessions = self.lock();
        let (read_at, facts) = sessions.get(&(user, sid))?;
        (read_at.elapsed() < self.ttl).then(|| facts.clone())
    }

    /// Keeps `facts`, read for session `sid` of `user`, unless the cache was invalidated since
    /// `generation` was taken (the read may predate a change).
    pub fn fill(&self, generation: u64, user: UserId, sid: uuid::Uuid, facts: &SessionFacts) {
        if self.ttl.is_zero() {
            return;
        }
        let mut sessions = self.lock();
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if sessions.len() >= MAX_SESSIONS {
            let ttl = self.ttl;
            sessions.retain(|_, (read_at, _)| read_at.elapsed() < ttl);
            if sessions.len() >= MAX_SESSIONS {
                sessions.clear();
            }
        }
        sessions.insert((user, sid), (Instant::now(), facts.clone()));
    }

    /// Sessions cached (fresh or not).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (Instant, SessionFacts)>> {
        // The map holds no invariant a panicking holder could break half-way.
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Empties the cache when dropped: held by the HTTP layer for the whole of a request that may
/// change a session, so the cache is emptied after its commit even if the request is cancelled.
#[derive(Debug)]
pub struct InvalidateOnDrop<'a>(pub &'a SessionCache);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chainsync_domain::ids::OrgId;
    use chainsync_storage::users::UserRecord;

    fn facts(active: bool) -> SessionFacts {
        SessionFacts {
            user: UserRecord {
                id: UserId::new(),
                org_id: OrgId::new(),
                email: "a@example.com".into(),
                password_hash: String::new(),
                display_name: "A".into(),
                active,
                is_org_admin: false,
                must_change_password: false,
                is_demo: false,
                tokens_valid_after: 0,
                created_at: 1,
                updated_at: 1,
            },
            family_revoked: false,
            memberships: Vec::new(),
        }
    }

    #[test]
    fn a_fill_is_found_until_it_expires() {
        let cache = SessionCache::new(Duration::from_millis(50));
        let f = facts(true);
        let sid = uuid::Uuid::now_v7();
        assert!(cache.lookup(f.user.id, sid).is_none());
        cache.fill(cache.generation(), f.user.id, sid, &f);
        let found = cache.lookup(f.user.id, sid).expect("cached");
        assert_eq!(found.user.id, f.user.id);
        // Another session of the same user is not this one.
        assert!(cache.lookup(f.user.id, uuid::Uuid::now_v7()).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.lookup(f.user.id, sid).is_none(), "expired");
    }

    #[test]
    fn invalidation_empties_it_and_refuses_fills_read_before() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let f = facts(true);
        let sid = uuid::Uuid::now_v7();
        cache.fill(cache.generation(), f.user.id, sid, &f);
        // A read starts, then a deactivation commits and invalidates, then the read finishes.
        let before = cache.generation();
        {
            let _guard = InvalidateOnDrop(&cache);
        }
        assert!(cache.lookup(f.user.id, sid).is_none(), "emptied");
        cache.fill(before, f.user.id, sid, &f);
        assert!(
            cache.lookup(f.user.id, sid).is_none(),
            "a stale fill is refused"
        );
        let deactivated = facts(false);
        cache.fill(cache.generation(), f.user.id, sid, &deactivated);
        assert!(!cache.lookup(f.user.id, sid).expect("cached").user.active);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = SessionCache::new(Duration::ZERO);
        let f = facts(true);
        let sid = uuid::Uuid::now_v7();
        cache.fill(cache.generation(), f.user.id, sid, &f);
        assert!(cache.is_empty());
        assert!(cache.lookup(f.user.id, sid).is_none());
    }

    #[test]
    fn it_stays_bounded() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let f = facts(true);
        for _ in 0..MAX_SESSIONS + 10 {
            cache.fill(cache.generation(), f.user.id, uuid::Uuid::now_v7(), &f);
        }
        assert!(cache.len() <= MAX_SESSIONS);
    }
}
