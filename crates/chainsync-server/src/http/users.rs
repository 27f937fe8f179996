//! `/api/users`: staff accounts and their store roles.
//!
//! Admins manage everyone in their organisation. Managers see themselves and the plain
//! cashiers of their stores, create cashiers in their stores, and reset those cashiers'
//! passwords. Nobody receives a chosen password from someone else: new and reset accounts get a
//! one-time password shown once, and must choose their own at first sign-in.
//!
//! Deactivation ends the user's sessions at once (their refresh tokens are revoked and their
//! access tokens stop working on the next request). The last active admin cannot be
//! deactivated or demoted, and nobody deactivates or demotes themselves.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use crate::security::passwords;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::access::{Membership, Role};
use chainsync_domain::ids::{StoreId, UserId};
use chainsync_domain::validation::{self, Email};
use chainsync_storage::users::{self, UserListScope, UserRecord};
use chainsync_storage::{Conn, audit, auth as auth_store, now_ms, stores};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, deactivate_user))
        .routes(routes!(reset_password))
        .routes(routes!(set_membership, remove_membership))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct MembershipView {
    pub store_id: StoreId,
    pub role: Role,
}

/// A user as the API shows them (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub active: bool,
    pub is_org_admin: bool,
    pub must_change_password: bool,
    pub memberships: Vec<MembershipView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserView {
    pub fn new(user: &UserRecord, memberships: &[Membership]) -> Self {
        UserView {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            active: user.active,
            is_org_admin: user.is_org_admin,
            must_change_password: user.must_change_password,
            memberships: memberships
                .iter()
                .map(|m| MembershipView {
                    store_id: m.store_id,
                    role: m.role,
                })
                .collect(),
            created_at: time(user.created_at),
            updated_at: time(user.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}

/// List the users you may manage (admins: everyone; managers: their stores' cashiers).
#[utoipa::path(get, path = "/api/users", tag = "users", params(PageParams),
    responses((status = 200, description = "A page of users", body = UserList)), security(("bearer" = [])))]
async fn list_users(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<UserList>> {
    let scope = if session.principal.is_org_admin {
        UserListScope::Org
    } else if session.principal.is_staff_manager() {
        UserListScope::ManagedBy(session.user.id)
    } else {
        return Err(ApiError::forbidden(
            "only admins and managers can list users",
        ));
    };
    let result = users::list(
        &mut *state.db.conn().await?,
        session.user.org_id,
        scope,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(UserList {
        items: result
            .items
            .iter()
            .map(|u| UserView::new(&u.user, &u.memberships))
            .collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(format = Email)]
    pub email: String,
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// Admins only.
    #[serde(default)]
    pub is_org_admin: bool,
    /// Store roles to grant. Managers must grant at least one cashier role in a store they run.
    #[serde(default)]
    pub memberships: Vec<MembershipView>,
}

/// A created or reset account: the one-time password is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserWithPassword {
    pub user: UserView,
    /// Give this to the person; they must replace it at first sign-in.
    pub one_time_password: String,
}

/// Checks that every store named exists in the caller's organisation and that the caller may
/// grant each role.
async fn check_grants(
    conn: &mut Conn,
    session: &Session,
    grants: &[MembershipView],
    field: &str,
) -> ApiResult<()> {
    for (i, grant) in grants.iter().enumerate() {
        let at = format!("{field}[{i}].store_id");
        if stores::get(conn, session.user.org_id, grant.store_id)
            .await?
            .is_none()
        {
            return Err(ApiError::unprocessable(
                "unknown_store",
                "no such store in your organisation",
            )
            .field(at));
        }
        if !session.principal.can_grant(grant.store_id, grant.role) {
            return Err(ApiError::forbidden(format!(
                "you may not grant the {} role in this store",
                grant.role.as_str()
            )));
        }
    }
    if grants
        .iter()
        .enumerate()
        .any(|(i, g)| grants[..i].iter().any(|o| o.store_id == g.store_id))
    {
        return Err(
            ApiError::unprocessable("duplicate_store", "each store may appear once").field(field),
        );
    }
    Ok(())
}

/// Create a user with a one-time password.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, description = "Created", body = UserWithPassword)), security(("bearer" = [])))]
async fn create_user(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserWithPassword>)> {
    let p = &session.principal;
    if !p.is_staff_manager() {
        return Err(ApiError::forbidden(
            "only admins and managers can create users",
        ));
    }
    if body.is_org_admin && !p.is_org_admin {
        return Err(ApiError::forbidden("only admins can create admins"));
    }
    if !p.is_org_admin && body.memberships.is_empty() {
        return Err(ApiError::unprocessable(
            "membership_required",
            "grant a cashier role in one of your stores",
        )
        .field("memberships"));
    }
    let email = Email::parse(&body.email).map_err(|e| e.at("email"))?;
    let display_name =
        validation::name(&body.display_name, 100).map_err(|e| e.at("display_name"))?;
    check_grants(
        &mut *state.db.conn().await?,
        &session,
        &body.memberships,
        "memberships",
    )
    .await?;

    let one_time_password = passwords::one_time_password();
    let hash = passwords::hash(one_time_password.clone())
        .await
        .map_err(ApiError::internal)?;
    let now = now_ms();
    let user = UserRecord {
        id: UserId::new(),
        org_id: session.user.org_id,
        email: email.as_str().to_owned(),
        password_hash: hash,
        display_name,
        active: true,
        is_org_admin: body.is_org_admin,
        must_change_password: true,
        is_demo: false,
        tokens_valid_after: now,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    users::insert(&mut tx, &user).await.map_err(|e| {
        if e.is_conflict_on("users_email_key", "users.email") {
            ApiError::conflict("email_taken", "a user with this email already exists")
                .field("email")
        } else {
            e.into()
        }
    })?;
    let mut memberships = Vec::new();
    for grant in &body.memberships {
        users::set_membership(&mut tx, user.id, grant.store_id, grant.role, now).await?;
        memberships.push(Membership {
            store_id: grant.store_id,
            role: grant.role,
        });
    }
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "user.created",
            Some(("user", user.id.to_string())),
            json!({ "email": user.email, "is_org_admin": user.is_org_admin, "memberships": body.memberships }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(UserWithPassword {
            user: UserView::new(&user, &memberships),
            one_time_password,
        }),
    ))
}

/// Loads a user of the caller's organisation with memberships: 404 for unknown ids and other
/// organisations' users alike.
async fn load_user(
    conn: &mut Conn,
    session: &Session,
    id: UserId,
) -> ApiResult<(UserRecord, Vec<Membership>)> {
    let user = users::get(conn, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let memberships = users::memberships_of(conn, id).await?;
    Ok((user, memberships))
}

/// One user.
#[utoipa::path(get, path = "/api/users/{user_id}", tag = "users", params(("user_id" = UserId, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserView)), security(("bearer" = [])))]
async fn get_user(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    let (user, memberships) = load_user(&mut *state.db.conn().await?, &session, id).await?;
    if !session
        .principal
        .can_view_user(user.id, user.is_org_admin, &memberships)
    {
        return Err(ApiError::forbidden("you may not see this user"));
    }
    Ok(Json(UserView::new(&user, &memberships)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// `false` deactivates (ends every session at once); `true` reactivates.
    pub active: Option<bool>,
    /// Admins only.
    pub is_org_admin: Option<bool>,
}

async fn active_admins(conn: &mut Conn, session: &Session) -> ApiResult<i64> {
    Ok(users::count_active_admins(conn, session.user.org_id).await?)
}

/// Applies `change` to a user the caller manages, with the self and last-admin guards, the
/// session revocation on deactivation, and the audit rows; all in one transaction.
async fn change_user(
    state: &AppState,
    session: &Session,
    ip: Option<String>,
    id: UserId,
    change: UpdateUserRequest,
) -> ApiResult<UserView> {
    let mut tx = state.db.begin_write().await?;
    let (mut user, memberships) = load_user(&mut tx, session, id).await?;
    let p = &session.principal;
    let is_self = user.id == session.user.id;
    if !is_self && !p.can_manage_user(user.is_org_admin, &memberships) {
        return Err(ApiError::forbidden("you may not change this user"));
    }
    if is_self
        && (change.active == Some(false) || change.is_org_admin == Some(false))
        && user.is_org_admin
    {
        return Err(ApiError::conflict(
            "cannot_change_self",
            "you cannot deactivate or demote yourself",
        ));
    }
    if is_self && change.active == Some(false) {
        return Err(ApiError::conflict(
            "cannot_change_self",
            "you cannot deactivate yourself",
        ));
    }
    if change.is_org_admin.is_some() && !p.is_org_admin {
        return Err(ApiError::forbidden(
            "only admins can grant or remove admin rights",
        ));
    }
    if is_self && !p.is_org_admin && change.email.is_some() {
        return Err(ApiError::forbidden("ask an admin to change your email"));
    }
    let now = now_ms();
    let mut changed = serde_json::Map::new();
    if let Some(name) = &change.display_name {
        user.display_name = validation::name(name, 100).map_err(|e| e.at("display_name"))?;
        changed.insert("display_name".into(), json!(user.display_name));
    }
    if let Some(email) = &change.email {
        user.email = Email::parse(email)
            .map_err(|e| e.at("email"))?
            .as_str()
            .to_owned();
        changed.insert("email".into(), json!(user.email));
    }
    let losing_admin = user.is_org_admin
        && user.active
        && (change.active == Some(false) || change.is_org_admin == Some(false));
    if losing_admin && active_admins(&mut tx, session).await? <= 1 {
        return Err(ApiError::conflict(
            "last_admin",
            "the organisation must keep at least one active admin",
        ));
    }
    let mut actions = Vec::new();
    if let Some(admin) = change.is_org_admin
        && admin != user.is_org_admin
    {
        user.is_org_admin = admin;
        actions.push(if admin {
            "user.admin_granted"
        } else {
            "user.admin_revoked"
        });
    }
    if let Some(active) = change.active
        && active != user.active
    {
        user.active = active;
        if !active {
            user.tokens_valid_after = now;
            auth_store::revoke_user_tokens(&mut tx, user.id, now).await?;
        }
        actions.push(if active {
            "user.reactivated"
        } else {
            "user.deactivated"
        });
    }
    user.updated_at = now;
    users::update(&mut tx, &user).await.map_err(|e| {
        if e.is_conflict_on("users_email_key", "users.email") {
            ApiError::conflict("email_taken", "a user with this email already exists")
                .field("email")
        } else {
            e.into()
        }
    })?;
    let auditor = Auditor::for_session(session, ip);
    if !changed.is_empty() {
        audit::insert(
            &mut tx,
            &auditor.entry(
                "user.updated",
                Some(("user", user.id.to_string())),
                changed.into(),
            ),
        )
        .await?;
    }
    for action in actions {
        audit::insert(
            &mut tx,
            &auditor.entry(action, Some(("user", user.id.to_string())), json!({})),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(UserView::new(&user, &memberships))
}

/// Change a user's name, email, admin right or active state.
#[utoipa::path(patch, path = "/api/users/{user_id}", tag = "users", params(("user_id" = UserId, Path, description = "User id")),
    request_body = UpdateUserRequest, responses((status = 200, description = "Updated", body = UserView)), security(("bearer" = [])))]
async fn update_user(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserView>> {
    change_user(&state, &session, ip, id, body).await.map(Json)
}

/// Deactivate a user (kept for the audit trail; ends their sessions at once).
#[utoipa::path(delete, path = "/api/users/{user_id}", tag = "users", params(("user_id" = UserId, Path, description = "User id")),
    responses((status = 204, description = "Deactivated")), security(("bearer" = [])))]
async fn deactivate_user(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    let change = UpdateUserRequest {
        display_name: None,
        email: None,
        active: Some(false),
        is_org_admin: None,
    };
    change_user(&state, &session, ip, id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give a user a new one-time password (they must replace it at next sign-in); ends their
/// sessions and lifts a sign-in lockout.
#[utoipa::path(post, path = "/api/users/{user_id}/reset-password", tag = "users", params(("user_id" = UserId, Path, description = "User id")),
    responses((status = 200, description = "Reset", body = UserWithPassword)), security(("bearer" = [])))]
async fn reset_password(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserWithPassword>> {
    let (mut user, memberships) = load_user(&mut *state.db.conn().await?, &session, id).await?;
    if user.id == session.user.id {
        return Err(ApiError::conflict(
            "cannot_change_self",
            "change your own password with POST /api/auth/password",
        ));
    }
    if !session
        .principal
        .can_manage_user(user.is_org_admin, &memberships)
    {
        return Err(ApiError::forbidden(
            "you may not reset this user's password",
        ));
    }
    let one_time_password = passwords::one_time_password();
    let now = now_ms();
    user.password_hash = passwords::hash(one_time_password.clone())
        .await
        .map_err(ApiError::internal)?;
    user.must_change_password = true;
    user.tokens_valid_after = now;
    user.updated_at = now;
    let mut tx = state.db.begin_write().await?;
    users::update(&mut tx, &user).await?;
    auth_store::revoke_user_tokens(&mut tx, user.id, now).await?;
    auth_store::clear_throttle(
        &mut tx,
        &crate::security::throttle::account_key(&user.email),
    )
    .await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "user.password_reset",
            Some(("user", user.id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(UserWithPassword {
        user: UserView::new(&user, &memberships),
        one_time_password,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMembershipRequest {
    pub role: Role,
}

/// Grant or change a user's role in a store (managers: cashier roles in their stores).
#[utoipa::path(put, path = "/api/users/{user_id}/memberships/{store_id}", tag = "users",
    params(("user_id" = UserId, Path, description = "User id"), ("store_id" = StoreId, Path, description = "Store id")),
    request_body = SetMembershipRequest, responses((status = 200, description = "The user with the new role", body = UserView)),
    security(("bearer" = [])))]
async fn set_membership(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((id, store_id)): ApiPath<(UserId, StoreId)>,
    ApiJson(body): ApiJson<SetMembershipRequest>,
) -> ApiResult<Json<UserView>> {
    let mut tx = state.db.begin_write().await?;
    let (user, memberships) = load_user(&mut tx, &session, id).await?;
    stores::get(&mut tx, session.user.org_id, store_id)
        .await?
        .ok_or_else(|| ApiError::not_found("store"))?;
    let p = &session.principal;
    let target_is_plain = !user.is_org_admin && memberships.iter().all(|m| m.role == Role::Cashier);
    if !p.can_grant(store_id, body.role) || (!p.is_org_admin && !target_is_plain) {
        return Err(ApiError::forbidden(
            "you may not grant this role to this user",
        ));
    }
    let now = now_ms();
    let previous = users::set_membership(&mut tx, user.id, store_id, body.role, now).await?;
    let action = if previous.is_some() {
        "user.role_changed"
    } else {
        "user.role_granted"
    };
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            action,
            Some(("user", user.id.to_string())),
            json!({ "store_id": store_id, "role": body.role, "previous_role": previous }),
        ),
    )
    .await?;
    let memberships = users::memberships_of(&mut tx, user.id).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(UserView::new(&user, &memberships)))
}

/// Remove a user's role in a store.
#[utoipa::path(delete, path = "/api/users/{user_id}/memberships/{store_id}", tag = "users",
    params(("user_id" = UserId, Path, description = "User id"), ("store_id" = StoreId, Path, description = "Store id")),
    responses((status = 204, description = "Removed")), security(("bearer" = [])))]
async fn remove_membership(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((id, store_id)): ApiPath<(UserId, StoreId)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let (user, memberships) = load_user(&mut tx, &session, id).await?;
    let role = memberships
        .iter()
        .find(|m| m.store_id == store_id)
        .map(|m| m.role)
        .ok_or_else(|| ApiError::not_found("membership"))?;
    let p = &session.principal;
    let target_is_plain = !user.is_org_admin && memberships.iter().all(|m| m.role == Role::Cashier);
    if !p.can_grant(store_id, role)
        || (!p.is_org_admin && (user.id == session.user.id || !target_is_plain))
    {
        return Err(ApiError::forbidden("you may not remove this role"));
    }
    users::remove_membership(&mut tx, user.id, store_id).await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "user.role_revoked",
            Some(("user", user.id.to_string())),
            json!({ "store_id": store_id, "role": role }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}
