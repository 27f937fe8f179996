//! Typed identifiers. Every id is a UUIDv7 (time-ordered, so indexes stay compact and lists sort
//! by creation), wrapped in a newtype per aggregate so a `StoreId` can never be passed where a
//! `UserId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// An organisation: the tenant boundary. Nothing crosses it.
    OrgId
);
id_type!(
    /// A store (shop) of an organisation.
    StoreId
);
id_type!(
    /// A person who signs in.
    UserId
);
id_type!(
    /// One entry of the audit log.
    AuditId
);
id_type!(
    /// A product (or a variant of one).
    ProductId
);
id_type!(
    /// A product category.
    CategoryId
);
id_type!(
    /// A supplier.
    SupplierId
);
id_type!(
    /// A point-of-sale terminal registered to a store.
    TerminalId
);
id_type!(
    /// One stock movement (a ledger entry).
    MovementId
);
id_type!(
    /// A customer of the organisation (loyalty member).
    CustomerId
);
id_type!(
    /// A cashier's shift on one terminal, from float to count.
    ShiftId
);
id_type!(
    /// A return or void of (part of) a sale.
    ReturnId
);
id_type!(
    /// Goods moving from one store to another.
    TransferId
);
id_type!(
    /// An order placed with a supplier for one store.
    PurchaseOrderId
);
id_type!(
    /// One trained version in the forecast model registry.
    ModelId
);
id_type!(
    /// A forecast training job of one store.
    ForecastJobId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = StoreId::new();
        assert_eq!(id.to_string().parse::<StoreId>().unwrap(), id);
    }

    #[test]
    fn new_ids_are_version_7() {
        assert_eq!(UserId::new().0.get_version_num(), 7);
    }
}
