//! Access tokens (JWT, HS256) and refresh tokens.
//!
//! Signing keys live in the database so every server process signs and verifies with the same
//! keys; each process caches them and reloads when it meets an unknown `kid` (another process
//! rotated). Access tokens are short-lived and carry the refresh-token family (`sid`) so a
//! logout ends them too. Refresh tokens are 256-bit random strings; only their SHA-256 is
//! stored.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chainsync_domain::ids::{OrgId, UserId};
use chainsync_storage::{Db, auth as auth_store, now_ms};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::RwLock;
use uuid::Uuid;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub org: OrgId,
    /// Refresh-token family this access token belongs to (the "session").
    pub sid: Uuid,
    pub iat: i64,
    /// Issued-at in milliseconds: compared with the user's `tokens_valid_after`.
    pub iat_ms: i64,
    pub exp: i64,
    /// Token use: `access` (the API) or `ws` (a WebSocket ticket).
    pub typ: String,
}

#[derive(Debug, Clone)]
struct Key {
    kid: String,
    secret: Vec<u8>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
    #[error(transparent)]
    Storage(#[from] chainsync_storage::StorageError),
}

/// The signing keys, shared through the database and cached here.
#[derive(Debug)]
pub struct KeyRing {
    keys: RwLock<Vec<Key>>,
}

impl KeyRing {
    /// Loads the keys, creating the first one if the database has none.
    pub async fn load(db: &Db) -> Result<KeyRing, chainsync_storage::StorageError> {
        let ring = KeyRing {
            keys: RwLock::new(Vec::new()),
        };
        ring.reload(db).await?;
        if ring.keys.read().map(|k| k.is_empty()).unwrap_or(true) {
            let mut secret = [0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            let record = auth_store::SigningKeyRecord {
                kid: Uuid::now_v7().simple().to_string(),
                secret_b64: STANDARD.encode(secret),
                created_at: now_ms(),
            };
            auth_store::insert_signing_key(&mut *db.conn().await?, &record).await?;
            ring.reload(db).await?;
        }
        Ok(ring)
    }

    async fn reload(&self, db: &Db) -> Result<(), chainsync_storage::StorageError> {
        let records = auth_store::signing_keys(&mut *db.conn().await?).await?;
        let keys = records
            .into_iter()
            .filter_map(|r| {
                STANDARD
                    .decode(&r.secret_b64)
                    .ok()
                    .map(|secret| Key { kid: r.kid, secret })
            })
            .collect();
        if let Ok(mut guard) = self.keys.write() {
            *guard = keys;
        }
        Ok(())
    }

    /// Signs `claims` with the newest key.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let guard = self
            .keys
            .read()
            .map_err(|_| anyhow::anyhow!("key ring poisoned"))?;
        let key = guard
            .first()
            .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(&key.secret),
        )?)
    }

    /// Verifies signature, expiry and use (`typ`), reloading keys once for an unknown `kid`.
    pub async fn verify(&self, db: &Db, token: &str, typ: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let mut secret = self.secret_for(&kid);
        if secret.is_none() {
            self.reload(db).await?;
            secret = self.secret_for(&kid);
        }
        let secret = secret.ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&secret), &validation)
                .map_err(|e| match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                })?;
        if data.claims.typ != typ {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }

    fn secret_for(&self, kid: &str) -> Option<Vec<u8>> {
        self.keys
            .read()
            .ok()?
            .iter()
            .find(|k| k.kid == kid)
            .map(|k| k.secret.clone())
    }
}

/// A new refresh token: the string for the client and the hash for the database.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}
