//! `chainsync init`: a real first run. Creates the organisation and its first admin, refusing
//! politely when the database already has an organisation.

use crate::security::passwords;
use chainsync_domain::ids::{AuditId, OrgId, UserId};
use chainsync_domain::money::Currency;
use chainsync_domain::validation::{self, Email, NewPassword};
use chainsync_storage::audit::{self, AuditRecord};
use chainsync_storage::orgs::{self, OrgRecord};
use chainsync_storage::users::{self, UserRecord};
use chainsync_storage::{Db, now_ms};

/// What `init` needs.
#[derive(Debug, Clone)]
pub struct InitRequest {
    pub org_name: String,
    pub admin_email: String,
    pub admin_name: String,
    pub currency: String,
    pub locale: String,
    pub password: String,
}

/// Why `init` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "this database already has an organisation; ChainSync is set up. Sign in, or point --data-dir/--database-url elsewhere"
    )]
    AlreadyInitialised,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn init(db: &Db, req: InitRequest) -> Result<(OrgId, UserId), InitError> {
    let invalid = |field: &str, e: chainsync_domain::ValidationError| {
        InitError::Invalid(format!("{field}: {}", e.message))
    };
    let org_name = validation::name(&req.org_name, 100).map_err(|e| invalid("--org", e))?;
    let email = Email::parse(&req.admin_email).map_err(|e| invalid("--admin-email", e))?;
    let admin_name =
        validation::name(&req.admin_name, 100).map_err(|e| invalid("--admin-name", e))?;
    let currency = Currency::parse(&req.currency).map_err(|e| invalid("--currency", e))?;
    let locale = validation::locale(&req.locale).map_err(|e| invalid("--locale", e))?;
    NewPassword::check(&req.password, email.as_str()).map_err(|e| invalid("password", e))?;

    if orgs::count(&mut *db.conn().await.map_err(anyhow::Error::from)?)
        .await
        .map_err(anyhow::Error::from)?
        > 0
    {
        return Err(InitError::AlreadyInitialised);
    }
    let hash = passwords::hash(req.password).await?;
    let now = now_ms();
    let org = OrgRecord {
        id: OrgId::new(),
        name: org_name,
        currency: currency.code().to_owned(),
        locale,
        is_demo: false,
        created_at: now,
        updated_at: now,
    };
    let admin = UserRecord {
        id: UserId::new(),
        org_id: org.id,
        email: email.as_str().to_owned(),
        password_hash: hash,
        display_name: admin_name,
        active: true,
        is_org_admin: true,
        must_change_password: false,
        is_demo: false,
        tokens_valid_after: now,
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin_write().await.map_err(anyhow::Error::from)?;
    // Re-check inside the write transaction: two concurrent inits must not both succeed.
    if orgs::count(&mut tx).await.map_err(anyhow::Error::from)? > 0 {
        return Err(InitError::AlreadyInitialised);
    }
    orgs::insert(&mut tx, &org)
        .await
        .map_err(anyhow::Error::from)?;
    users::insert(&mut tx, &admin)
        .await
        .map_err(anyhow::Error::from)?;
    let entry = AuditRecord {
        id: AuditId::new(),
        org_id: Some(org.id),
        at: now,
        actor_user_id: None,
        actor_label: Some("chainsync init".into()),
        action: "org.initialised".into(),
        target_type: Some("user".into()),
        target_id: Some(admin.id.to_string()),
        source_ip: None,
        details: serde_json::json!({ "organisation": org.name, "admin_email": admin.email }),
    };
    audit::insert(&mut tx, &entry)
        .await
        .map_err(anyhow::Error::from)?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok((org.id, admin.id))
}
