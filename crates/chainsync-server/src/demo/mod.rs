//! The demo chain: one organisation with five stores in five European cities, an admin, a
//! manager per store and two cashiers per store; at `small` and `full` scale also a catalog,
//! terminals and opening stock ([`catalog`]).
//!
//! Deterministic: the same seed gives the same ids, names and emails. Idempotent: when the
//! demo organisation exists nothing is written and its logins are returned again. Every demo
//! account shares one password (`chainsync-demo` unless told otherwise), hashed once.

mod catalog;

pub use catalog::DemoScale;

use crate::security::passwords;
use chainsync_domain::access::Role;
use chainsync_domain::ids::{OrgId, StoreId, UserId};
use chainsync_storage::orgs::{self, OrgRecord};
use chainsync_storage::stores::{self, StoreRecord, StoreScope};
use chainsync_storage::users::{self, UserListScope, UserRecord};
use chainsync_storage::{Db, now_ms};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use uuid::Uuid;

pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.local";

/// What `seed` created (or found).
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub created: bool,
    pub org_id: OrgId,
    /// Sellable products created (0 when found, or at `staff` scale).
    pub products: usize,
    /// `(email, role description)` of every demo login.
    pub logins: Vec<(String, String)>,
}

struct City {
    code: &'static str,
    name: &'static str,
    city: &'static str,
    address: &'static str,
    country: &'static str,
    timezone: &'static str,
    standard_bp: i32,
    reduced_bp: i32,
}

const CITIES: [City; 5] = [
    City {
        code: "BER",
        name: "Berlin Mitte",
        city: "Berlin",
        address: "Rosenthaler Str. 40",
        country: "DE",
        timezone: "Europe/Berlin",
        standard_bp: 1900,
        reduced_bp: 700,
    },
    City {
        code: "PAR",
        name: "Paris Marais",
        city: "Paris",
        address: "12 Rue des Archives",
        country: "FR",
        timezone: "Europe/Paris",
        standard_bp: 2000,
        reduced_bp: 550,
    },
    City {
        code: "AMS",
        name: "Amsterdam Jordaan",
        city: "Amsterdam",
        address: "Westerstraat 101",
        country: "NL",
        timezone: "Europe/Amsterdam",
        standard_bp: 2100,
        reduced_bp: 900,
    },
    City {
        code: "VIE",
        name: "Wien Neubau",
        city: "Vienna",
        address: "Neubaugasse 25",
        country: "AT",
        timezone: "Europe/Vienna",
        standard_bp: 2000,
        reduced_bp: 1000,
    },
    City {
        code: "MAD",
        name: "Madrid Malasaña",
        city: "Madrid",
        address: "Calle de Fuencarral 77",
        country: "ES",
        timezone: "Europe/Madrid",
        standard_bp: 2100,
        reduced_bp: 1000,
    },
];

const FIRST: [&str; 16] = [
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Lea",
    "Marco", "Nora", "Omar", "Paula", "Sofia",
];
const LAST: [&str; 16] = [
    "Becker", "Dubois", "de Vries", "García", "Huber", "Jansen", "Klein", "Laurent", "Martín",
    "Novak", "Petit", "Richter", "Schmid", "Torres", "Visser", "Wagner",
];

/// Deterministic ids: UUIDv7 layout (so they sort like real ones) with a fixed timestamp and
/// random bits from the seeded generator.
pub(crate) struct IdGen {
    rng: ChaCha8Rng,
    ms: u64,
}

impl IdGen {
    pub(crate) fn next(&mut self) -> Uuid {
        self.ms += 1;
        let mut random = [0u8; 10];
        self.rng.fill(&mut random);
        uuid::Builder::from_unix_timestamp_millis(self.ms, &random).into_uuid()
    }
}

/// Seeds the demo chain unless it exists.
pub async fn seed(
    db: &Db,
    seed: u64,
    password: &str,
    scale: DemoScale,
) -> anyhow::Result<DemoSummary> {
    if let Some(org) = orgs::find_demo(&mut *db.conn().await?).await? {
        return Ok(DemoSummary {
            created: false,
            org_id: org.id,
            products: 0,
            logins: existing_logins(db, org.id).await?,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // 2025-01-01T00:00:00Z: demo ids sort before anything created later.
    let mut ids = IdGen {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed),
        ms: 1_735_689_600_000,
    };
    let password_hash = passwords::hash(password.to_owned()).await?;
    let now = now_ms();
    let org = OrgRecord {
        id: OrgId(ids.next()),
        name: "Demo Retail Co.".into(),
        currency: "EUR".into(),
        locale: "en-GB".into(),
        is_demo: true,
        created_at: now,
        updated_at: now,
    };
    let user = |id: Uuid, email: String, name: String, admin: bool| UserRecord {
        id: UserId(id),
        org_id: org.id,
        email,
        password_hash: password_hash.clone(),
        display_name: name,
        active: true,
        is_org_admin: admin,
        must_change_password: false,
        is_demo: true,
        tokens_valid_after: 0,
        created_at: now,
        updated_at: now,
    };
    let mut names = (0..FIRST.len())
        .map(|i| (i, rng.random_range(0..LAST.len())))
        .collect::<Vec<_>>();
    // Shuffle first names deterministically so each seed staffs the stores differently.
    for i in (1..names.len()).rev() {
        let j = rng.random_range(0..=i);
        names.swap(i, j);
    }
    let mut next_name = names
        .into_iter()
        .map(|(f, l)| format!("{} {}", FIRST[f], LAST[l]));

    let mut tx = db.begin_write().await?;
    let mut store_codes = Vec::new();
    orgs::insert(&mut tx, &org).await?;
    let mut logins = vec![(
        DEMO_ADMIN_EMAIL.to_owned(),
        "admin (whole organisation)".to_owned(),
    )];
    let admin_name = next_name.next().unwrap_or_else(|| "Demo Admin".into());
    users::insert(
        &mut tx,
        &user(ids.next(), DEMO_ADMIN_EMAIL.into(), admin_name, true),
    )
    .await?;
    for city in &CITIES {
        let store = StoreRecord {
            id: StoreId(ids.next()),
            org_id: org.id,
            code: city.code.into(),
            name: city.name.into(),
            address: Some(city.address.into()),
            city: Some(city.city.into()),
            country: city.country.into(),
            tax_id: Some(format!(
                "{}{:09}",
                city.country,
                rng.random_range(100_000_000..999_999_999u32)
            )),
            currency: "EUR".into(),
            timezone: city.timezone.into(),
            tax_rates: BTreeMap::from([
                ("standard".to_owned(), city.standard_bp),
                ("reduced".to_owned(), city.reduced_bp),
                ("zero".to_owned(), 0),
            ]),
            tax_inclusive: true,
            refund_approval_minor: 5000,
            active: true,
            created_at: now,
            updated_at: now,
        };
        stores::insert(&mut tx, &store).await?;
        store_codes.push((store.id, store.code.clone()));
        let code = city.code.to_ascii_lowercase();
        let staff = [
            (format!("manager.{code}@demo.local"), Role::Manager),
            (format!("cashier1.{code}@demo.local"), Role::Cashier),
            (format!("cashier2.{code}@demo.local"), Role::Cashier),
        ];
        for (email, role) in staff {
            let name = next_name
                .next()
                .unwrap_or_else(|| format!("{} {}", city.city, role.as_str()));
            let record = user(ids.next(), email.clone(), name, false);
            users::insert(&mut tx, &record).await?;
            users::set_membership(&mut tx, record.id, store.id, role, now).await?;
            logins.push((email, format!("{} at {}", role.as_str(), city.name)));
        }
    }
    let products = catalog::seed_catalog(
        &mut tx,
        org.id,
        &store_codes,
        scale,
        &mut rng,
        &mut ids,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(DemoSummary {
        created: true,
        org_id: org.id,
        products,
        logins,
    })
}

async fn existing_logins(db: &Db, org: OrgId) -> anyhow::Result<Vec<(String, String)>> {
    let mut conn = db.conn().await?;
    let store_names: BTreeMap<StoreId, String> =
        stores::list(&mut conn, org, &StoreScope::All, true, None, 200)
            .await?
            .items
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
    let page = users::list(&mut conn, org, UserListScope::Org, None, 200).await?;
    Ok(page
        .items
        .into_iter()
        .filter(|u| u.user.is_demo)
        .map(|u| {
            let what = if u.user.is_org_admin {
                "admin (whole organisation)".to_owned()
            } else {
                u.memberships
                    .iter()
                    .map(|m| {
                        format!(
                            "{} at {}",
                            m.role.as_str(),
                            store_names.get(&m.store_id).map_or("?", String::as_str)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (u.user.email, what)
        })
        .collect())
}
