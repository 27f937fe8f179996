//! Users and their store memberships.
//!
//! Emails are unique across all organisations (sign-in is by email alone) and stored
//! lower-cased. `tokens_valid_after` invalidates every access token issued before it: set on
//! deactivation, password change and reset, so those take effect on the next request.

use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::access::{Membership, Role};
use chainsync_domain::ids::{OrgId, StoreId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub active: bool,
    pub is_org_admin: bool,
    pub must_change_password: bool,
    pub is_demo: bool,
    pub tokens_valid_after: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user with their memberships, as lists and detail views show them.
#[derive(Debug, Clone)]
pub struct UserWithMemberships {
    pub user: UserRecord,
    pub memberships: Vec<Membership>,
}

fn from_row(row: &AnyRow) -> StorageResult<UserRecord> {
    Ok(UserRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: row
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(corrupt)?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        display_name: row.try_get("display_name")?,
        active: row.try_get::<i64, _>("active")? != 0,
        is_org_admin: row.try_get::<i64, _>("is_org_admin")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        is_demo: row.try_get::<i64, _>("is_demo")? != 0,
        tokens_valid_after: row.try_get("tokens_valid_after")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn insert(conn: &mut Conn, user: &UserRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO users (id, org_id, email, password_hash, display_name, active, is_org_admin, \
         must_change_password, is_demo, tokens_valid_after, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(user.id.to_string())
    .bind(user.org_id.to_string())
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(&user.display_name)
    .bind(i64::from(user.active))
    .bind(i64::from(user.is_org_admin))
    .bind(i64::from(user.must_change_password))
    .bind(i64::from(user.is_demo))
    .bind(user.tokens_valid_after)
    .bind(user.created_at)
    .bind(user.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes every mutable field of `user`.
pub async fn update(conn: &mut Conn, user: &UserRecord) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE users SET email = $1, password_hash = $2, display_name = $3, active = $4, \
         is_org_admin = $5, must_change_password = $6, tokens_valid_after = $7, updated_at = $8 \
         WHERE org_id = $9 AND id = $10",
    )
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(&user.display_name)
    .bind(i64::from(user.active))
    .bind(i64::from(user.is_org_admin))
    .bind(i64::from(user.must_change_password))
    .bind(user.tokens_valid_after)
    .bind(user.updated_at)
    .bind(user.org_id.to_string())
    .bind(user.id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A user by id within an organisation.
pub async fn get(conn: &mut Conn, org: OrgId, id: UserId) -> StorageResult<Option<UserRecord>> {
    let row = sqlx::query("SELECT * FROM users WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A user by id alone: for authenticating a token, which names its user.
pub async fn get_any_org(conn: &mut Conn, id: UserId) -> StorageResult<Option<UserRecord>> {
    let row = sqlx::query("SELECT * FROM users WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// What authenticating a request needs, read in one statement: the user, whether the token's
/// session family has been revoked, and the user's store roles. Every authenticated request
/// runs this, so it is one round trip rather than three.
#[derive(Debug, Clone)]
pub struct SessionFacts {
    pub user: UserRecord,
    pub family_revoked: bool,
    pub memberships: Vec<Membership>,
}

/// [`SessionFacts`] of user `id` for session family `family`; `None` if there is no such user.
pub async fn session_facts(
    conn: &mut Conn,
    id: UserId,
    family: uuid::Uuid,
) -> StorageResult<Option<SessionFacts>> {
    let rows = sqlx::query(
        "SELECT u.*, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM refresh_tokens r \
           WHERE r.family_id = $2 AND r.revoked_at IS NOT NULL LIMIT 1) x) AS session_revoked, \
         m.store_id, m.role \
         FROM users u LEFT JOIN memberships m ON m.user_id = u.id \
         WHERE u.id = $1 ORDER BY m.store_id",
    )
    .bind(id.to_string())
    .bind(family.to_string())
    .fetch_all(conn)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    // A user without roles comes back as one row with a NULL store (the LEFT JOIN).
    let mut memberships = Vec::new();
    for row in &rows {
        if row.try_get::<Option<String>, _>("store_id")?.is_some() {
            memberships.push(membership_from_row(row)?);
        }
    }
    Ok(Some(SessionFacts {
        user: from_row(first)?,
        family_revoked: first.try_get::<i64, _>("session_revoked")? > 0,
        memberships,
    }))
}

/// A user by (already normalised) email.
pub async fn find_by_email(conn: &mut Conn, email: &str) -> StorageResult<Option<UserRecord>> {
    let row = sqlx::query("SELECT * FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count_in_org(conn: &mut Conn, org: OrgId) -> StorageResult<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_one(conn)
            .await?
            .try_get("n")?,
    )
}

/// How many active admins the organisation has.
pub async fn count_active_admins(conn: &mut Conn, org: OrgId) -> StorageResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE org_id = $1 AND is_org_admin = 1 AND active = 1",
    )
    .bind(org.to_string())
    .fetch_one(conn)
    .await?
    .try_get("n")?)
}

/// True when any active demo account exists (the server warns about them).
pub async fn any_active_demo(conn: &mut Conn) -> StorageResult<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_demo = 1 AND active = 1")
        .fetch_one(conn)
        .await?
        .try_get("n")?;
    Ok(n > 0)
}

pub async fn memberships_of(conn: &mut Conn, user: UserId) -> StorageResult<Vec<Membership>> {
    let rows =
        sqlx::query("SELECT store_id, role FROM memberships WHERE user_id = $1 ORDER BY store_id")
            .bind(user.to_string())
            .fetch_all(conn)
            .await?;
    rows.iter().map(membership_from_row).collect()
}

fn membership_from_row(row: &AnyRow) -> StorageResult<Membership> {
    let role: String = row.try_get("role")?;
    Ok(Membership {
        store_id: row
            .try_get::<String, _>("store_id")?
            .parse()
            .map_err(corrupt)?,
        role: Role::parse(&role).ok_or_else(|| corrupt(format!("unknown role {role}")))?,
    })
}

/// Grants or changes a role. Returns the previous role, if any.
pub async fn set_membership(
    conn: &mut Conn,
    user: UserId,
    store: StoreId,
    role: Role,
    now: i64,
) -> StorageResult<Option<Role>> {
    let previous = sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND store_id = $2")
        .bind(user.to_string())
        .bind(store.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get::<String, _>("role"))
        .transpose()?
        .and_then(|r| Role::parse(&r));
    sqlx::query(
        "INSERT INTO memberships (user_id, store_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, store_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user.to_string())
    .bind(store.to_string())
    .bind(role.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(previous)
}

/// Removes a role. Returns the removed role, if there was one.
pub async fn remove_membership(
    conn: &mut Conn,
    user: UserId,
    store: StoreId,
) -> StorageResult<Option<Role>> {
    let row =
        sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND store_id = $2 RETURNING role")
            .bind(user.to_string())
            .bind(store.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>("role"))
        .transpose()?
        .and_then(|r| Role::parse(&r)))
}

/// Who is listing users, which decides what the list contains.
#[derive(Debug, Clone, Copy)]
pub enum UserListScope {
    /// Everyone in the organisation.
    Org,
    /// The viewer and the plain cashiers of the stores the viewer manages (mirrors
    /// `Principal::can_manage_user`).
    ManagedBy(UserId),
}

/// Users of `org` visible in `scope`, with memberships, in creation order.
pub async fn list(
    conn: &mut Conn,
    org: OrgId,
    scope: UserListScope,
    cursor: Option<UserId>,
    limit: u32,
) -> StorageResult<Page<UserWithMemberships>> {
    let mut sql = Sql::new("SELECT u.* FROM users u WHERE u.org_id = ");
    sql.bind(Arg::Text(org.to_string()));
    if let UserListScope::ManagedBy(viewer) = scope {
        let viewer = viewer.to_string();
        sql.push(" AND (u.id = ").bind(Arg::Text(viewer.clone()));
        sql.push(
            " OR (u.is_org_admin = 0 \
              AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'manager') \
              AND EXISTS (SELECT 1 FROM memberships m JOIN memberships mine ON mine.store_id = m.store_id \
                          WHERE m.user_id = u.id AND mine.role = 'manager' AND mine.user_id = ",
        )
        .bind(Arg::Text(viewer))
        .push(")))");
    }
    if let Some(cursor) = cursor {
        sql.push(" AND u.id > ").bind(Arg::Text(cursor.to_string()));
    }
    sql.push(" ORDER BY u.id").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(&mut *conn).await?;
    let users = rows
        .iter()
        .map(from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    let page = Page::from_overfetch(users, limit, |u| u.id.to_string());

    let mut by_user: HashMap<UserId, Vec<Membership>> = HashMap::new();
    if !page.items.is_empty() {
        let mut sql =
            Sql::new("SELECT user_id, store_id, role FROM memberships WHERE user_id IN (");
        sql.bind_list(page.items.iter().map(|u| u.id.to_string()))
            .push(") ORDER BY store_id");
        for row in sql.build().fetch_all(conn).await? {
            let user: UserId = row
                .try_get::<String, _>("user_id")?
                .parse()
                .map_err(corrupt)?;
            by_user
                .entry(user)
                .or_default()
                .push(membership_from_row(&row)?);
        }
    }
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|user| {
                let memberships = by_user.remove(&user.id).unwrap_or_default();
                UserWithMemberships { user, memberships }
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// Sets (or with `None` clears) the user's approval PIN hash.
pub async fn set_pin_hash(
    conn: &mut Conn,
    user: UserId,
    hash: Option<&str>,
    now: i64,
) -> StorageResult<()> {
    sqlx::query("UPDATE users SET pin_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash.map(str::to_owned))
        .bind(now)
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The user's approval PIN hash, if they set one.
pub async fn pin_hash(conn: &mut Conn, user: UserId) -> StorageResult<Option<String>> {
    let row = sqlx::query("SELECT pin_hash FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("pin_hash")?,
        None => None,
    })
}
