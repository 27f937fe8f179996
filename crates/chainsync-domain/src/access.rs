//! Who may do what. Authorization is decided here, from facts the server loaded from the
//! database, so the rules are tested without HTTP.
//!
//! Terms:
//! - An **org admin** runs the whole organisation.
//! - A **membership** gives a user a [`Role`] in one store: a manager runs that store's back
//!   office and may create cashiers there; a cashier sells there.
//!
//! Invariant: every check first requires the resource to belong to the principal's
//! organisation; the HTTP layer answers 404 for other organisations' resources (so their
//! existence is not revealed) and 403 for resources of the same organisation the role may not
//! touch.

use crate::ids::{OrgId, StoreId, UserId};
use serde::{Deserialize, Serialize};

/// A user's role in one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Manager,
    Cashier,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Manager => "manager",
            Role::Cashier => "cashier",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "manager" => Some(Role::Manager),
            "cashier" => Some(Role::Cashier),
            _ => None,
        }
    }
}

/// A user's role in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub store_id: StoreId,
    pub role: Role,
}

/// The signed-in user as the server sees them on one request, loaded fresh from the database
/// (so a deactivation or a role change takes effect on the next request).
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub is_org_admin: bool,
    pub memberships: Vec<Membership>,
}

impl Principal {
    pub fn role_in(&self, store: StoreId) -> Option<Role> {
        self.memberships
            .iter()
            .find(|m| m.store_id == store)
            .map(|m| m.role)
    }

    /// Stores this principal manages (as an admin this is not the full list: admins manage all).
    pub fn managed_stores(&self) -> impl Iterator<Item = StoreId> + '_ {
        self.memberships
            .iter()
            .filter(|m| m.role == Role::Manager)
            .map(|m| m.store_id)
    }

    /// Sees the store at all (its details, later its sales and stock).
    pub fn can_view_store(&self, store: StoreId) -> bool {
        self.is_org_admin || self.role_in(store).is_some()
    }

    /// Runs the store's back office.
    pub fn can_manage_store(&self, store: StoreId) -> bool {
        self.is_org_admin || self.role_in(store) == Some(Role::Manager)
    }

    /// Reads the store's reports (sales, margins, stock value, staff figures): admins and the
    /// store's managers. Cashiers see what they sell, not what the store earns.
    pub fn can_view_reports(&self, store: StoreId) -> bool {
        self.can_manage_store(store)
    }

    /// Is an admin or manages at least one store: may open the staff screens at all.
    pub fn is_staff_manager(&self) -> bool {
        self.is_org_admin || self.managed_stores().next().is_some()
    }

    /// May grant `role` in `store`: admins any role anywhere, managers cashiers in their stores.
    pub fn can_grant(&self, store: StoreId, role: Role) -> bool {
        self.is_org_admin || (role == Role::Cashier && self.can_manage_store(store))
    }

    /// May manage (edit, reset the password of, deactivate) a user with these facts.
    ///
    /// Admins manage everyone in the organisation. A manager manages only plain cashiers: users
    /// who are not admins, hold no manager role anywhere, and work in at least one store the
    /// manager runs. Nobody manages an admin except an admin.
    pub fn can_manage_user(&self, target_is_admin: bool, target: &[Membership]) -> bool {
        if self.is_org_admin {
            return true;
        }
        if target_is_admin || target.iter().any(|m| m.role == Role::Manager) {
            return false;
        }
        target.iter().any(|m| self.can_manage_store(m.store_id))
    }

    /// May see a user (in lists and by id): anyone they may manage, and themselves.
    pub fn can_view_user(&self, target_id: UserId, is_admin: bool, target: &[Membership]) -> bool {
        self.user_id == target_id || self.can_manage_user(is_admin, target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(is_admin: bool, memberships: Vec<Membership>) -> Principal {
        Principal {
            user_id: UserId::new(),
            org_id: OrgId::new(),
            is_org_admin: is_admin,
            memberships,
        }
    }

    #[test]
    fn manager_grants_cashiers_only_in_own_store() {
        let (own, other) = (StoreId::new(), StoreId::new());
        let manager = principal(
            false,
            vec![Membership {
                store_id: own,
                role: Role::Manager,
            }],
        );
        assert!(manager.can_grant(own, Role::Cashier));
        assert!(!manager.can_grant(own, Role::Manager));
        assert!(!manager.can_grant(other, Role::Cashier));
    }

    #[test]
    fn manager_cannot_manage_another_manager_or_an_admin() {
        let store = StoreId::new();
        let manager = principal(
            false,
            vec![Membership {
                store_id: store,
                role: Role::Manager,
            }],
        );
        let peer = [Membership {
            store_id: store,
            role: Role::Manager,
        }];
        let cashier = [Membership {
            store_id: store,
            role: Role::Cashier,
        }];
        assert!(!manager.can_manage_user(false, &peer));
        assert!(!manager.can_manage_user(true, &cashier));
        assert!(manager.can_manage_user(false, &cashier));
    }

    #[test]
    fn cashier_manages_nobody() {
        let store = StoreId::new();
        let cashier = principal(
            false,
            vec![Membership {
                store_id: store,
                role: Role::Cashier,
            }],
        );
        assert!(!cashier.can_manage_user(
            false,
            &[Membership {
                store_id: store,
                role: Role::Cashier
            }]
        ));
        assert!(cashier.can_view_store(store));
        assert!(!cashier.can_manage_store(store));
        assert!(!cashier.can_view_reports(store));
    }

    #[test]
    fn admin_may_do_everything_in_the_org() {
        let admin = principal(true, vec![]);
        let store = StoreId::new();
        assert!(admin.can_manage_store(store));
        assert!(admin.can_grant(store, Role::Manager));
        assert!(admin.can_manage_user(true, &[]));
    }
}
