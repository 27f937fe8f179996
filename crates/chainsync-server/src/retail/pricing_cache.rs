//! The catalog a sale is priced with, kept in memory between sales: each store's record, its
//! organisation's active promotions and the products (with the store's own prices) its sales
//! have named.
//!
//! Reading these took three database round trips before every sale's write transaction,
//! about a quarter of the checkout's cost (docs/performance.md, "Checkout"). A sale whose store
//! and every line's product are cached is priced without them.
//!
//! Invariants:
//! - **This process's own changes are seen at once.** Every request that may write (any method
//!   but `GET`, `HEAD` and `OPTIONS`, other than ringing up a sale or pricing a cart) empties the
//!   cache when it ends, after its commit (see [`InvalidateOnDrop`], used by the HTTP layer). A
//!   fill that read the database before such a change and finishes after it is refused:
//!   [`PricingCache::fill`] takes the generation seen before the read, and every invalidation
//!   moves it on.
//! - **Another process's changes are seen within the TTL** ([`DEFAULT_TTL`], set by
//!   `ApiSettings::pricing_cache_ttl`; several servers on one PostgreSQL): every entry expires
//!   that long after it was read. Until then a sale is priced as the catalog stood a moment
//!   before, the rule `PricingInputs` already states for the read made just before a sale's
//!   transaction.
//! - **No tenant sees another's data**: entries are keyed by organisation and store, and a store
//!   is only found under the organisation it was read for.
//! - **Bounded**: at most [`MAX_STORES`] stores and [`MAX_PRODUCTS_PER_STORE`] products per
//!   store; past either, the store (or the whole cache) starts again empty.

use crate::retail::sales::{PricingInputs, SaleLineInput};
use chainsync_domain::ids::{OrgId, ProductId, StoreId};
use chainsync_domain::pricing::Promotion;
use chainsync_storage::catalog::ProductRecord;
use chainsync_storage::stores::StoreRecord;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most stores cached at once.
pub const MAX_STORES: usize = 10_000;
/// The most products cached for one store.
pub const MAX_PRODUCTS_PER_STORE: usize = 100_000;

/// How long an entry is trusted when nothing in this process changed the catalog.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct PricingCache {
    ttl: Duration,
    generation: AtomicU64,
    stores: Mutex<HashMap<(OrgId, StoreId), StoreEntry>>,
}

#[derive(Debug)]
struct StoreEntry {
    store: StoreRecord,
    promotions: Vec<Promotion>,
    read_at: Instant,
    products: HashMap<ProductId, ProductEntry>,
}

#[derive(Debug)]
struct ProductEntry {
    product: ProductRecord,
    store_price: Option<i64>,
    read_at: Instant,
}

impl PricingCache {
    /// A cache trusting entries for `ttl`; a zero `ttl` caches nothing.
    pub fn new(ttl: Duration) -> PricingCache {
        PricingCache {
            ttl,
            generation: AtomicU64::new(0),
            stores: Mutex::default(),
        }
    }

    /// The generation to hand to [`PricingCache::fill`]; read it before reading the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets everything, and refuses fills of reads made before now.
    pub fn invalidate(&self) {
        let mut stores = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        stores.clear();
    }

    /// The store and the pricing inputs of `lines`, if all of them are cached and fresh.
    pub fn lookup(
        &self,
        org: OrgId,
        store: StoreId,
        lines: &[SaleLineInput],
    ) -> Option<(StoreRecord, PricingInputs)> {
        if self.ttl.is_zero() {
            return None;
        }
        let now = Instant::now();
        let stores = self.lock();
        let entry = stores.get(&(org, store))?;
        if now.duration_since(entry.read_at) >= self.ttl {
            return None;
        }
        let mut products = HashMap::with_capacity(lines.len());
        let mut store_prices = HashMap::new();
        for line in lines {
            let cached = entry.products.get(&line.product_id)?;
            if now.duration_since(cached.read_at) >= self.ttl {
                return None;
            }
            products.insert(line.product_id, cached.product.clone());
            if let Some(price) = cached.store_price {
                store_prices.insert(line.product_id, price);
            }
        }
        Some((
            entry.store.clone(),
            PricingInputs::new(products, store_prices, entry.promotions.clone()),
        ))
    }

    /// Keeps what was read for a sale at `store`, unless the cache was invalidated since
    /// `generation` was taken (the read may predate a change).
    pub fn fill(&self, generation: u64, store: &StoreRecord, inputs: &PricingInputs) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut stores = self.lock();
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        let key = (store.org_id, store.id);
        // The store and promotions were read with the products: the newest read replaces them;
        // products read earlier stay, each until its own expiry.
        let mut products = stores
            .remove(&key)
            .map(|entry| entry.products)
            .unwrap_or_default();
        if stores.len() >= MAX_STORES {
            stores.clear();
        }
        if products.len() + inputs.products().len() > MAX_PRODUCTS_PER_STORE {
            products.clear();
        }
        for (id, product) in inputs.products() {
            products.insert(
                *id,
                ProductEntry {
                    product: product.clone(),
                    store_price: inputs.store_price(*id),
                    read_at: now,
                },
            );
        }
        stores.insert(
            key,
            StoreEntry {
                store: store.clone(),
                promotions: inputs.promotions().to_vec(),
                read_at: now,
                products,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(OrgId, StoreId), StoreEntry>> {
        // The map holds no invariant a panicking holder could break half-way.
        self.stores.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Empties the cache when dropped: held by the HTTP layer for the whole of a request that may
/// write, so the cache is emptied after its commit even if the request is cancelled.
#[derive(Debug)]
pub struct InvalidateOnDrop<'a>(pub &'a PricingCache);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chainsync_domain::ids::ProductId;
    use chainsync_storage::testing::store_record;
    use std::collections::BTreeMap;

    fn store(org: OrgId, name: &str) -> StoreRecord {
        StoreRecord {
            name: name.into(),
            ..store_record(org, "S1")
        }
    }

    fn product(org: OrgId, price_minor: i64) -> ProductRecord {
        ProductRecord {
            id: ProductId::new(),
            org_id: org,
            sku: "SKU".into(),
            name: "Coffee".into(),
            category_id: None,
            supplier_id: None,
            brand: None,
            unit: "each".into(),
            price_minor,
            cost_minor: 100,
            tax_class: "standard".into(),
            parent_id: None,
            variant_attributes: BTreeMap::new(),
            active: true,
            barcodes: vec![],
            created_at: 0,
            updated_at: 0,
        }
    }

    fn line(product: ProductId) -> SaleLineInput {
        SaleLineInput {
            product_id: product,
            quantity: 1,
            unit_price_minor: None,
            discount: None,
        }
    }

    fn inputs(products: &[&ProductRecord], store_price: Option<i64>) -> PricingInputs {
        let map = products.iter().map(|p| (p.id, (*p).clone())).collect();
        let prices = store_price
            .map(|price| products.iter().map(|p| (p.id, price)).collect())
            .unwrap_or_default();
        PricingInputs::new(map, prices, vec![])
    }

    #[test]
    fn a_filled_sale_is_found_with_its_store_price() {
        let cache = PricingCache::new(Duration::from_secs(60));
        let org = OrgId::new();
        let s = store(org, "Berlin");
        let p = product(org, 250);
        cache.fill(cache.generation(), &s, &inputs(&[&p], Some(199)));
        let (found, inputs) = cache.lookup(org, s.id, &[line(p.id)]).expect("cached");
        assert_eq!(found.name, "Berlin");
        assert_eq!(inputs.products()[&p.id].price_minor, 250);
        assert_eq!(inputs.store_price(p.id), Some(199));
    }

    #[test]
    fn products_of_earlier_sales_stay_when_a_later_sale_fills() {
        let cache = PricingCache::new(Duration::from_secs(60));
        let org = OrgId::new();
        let s = store(org, "Berlin");
        let (rice, tea) = (product(org, 250), product(org, 400));
        cache.fill(cache.generation(), &s, &inputs(&[&rice], None));
        let mut renamed = s.clone();
        renamed.name = "Berlin Mitte".into();
        cache.fill(cache.generation(), &renamed, &inputs(&[&tea], None));
        let (found, inputs) = cache
            .lookup(org, s.id, &[line(rice.id), line(tea.id)])
            .expect("both cached");
        assert_eq!(found.name, "Berlin Mitte", "the newest store record");
        assert_eq!(inputs.products().len(), 2);
    }

    #[test]
    fn one_unknown_line_or_another_organisation_misses() {
        let cache = PricingCache::new(Duration::from_secs(60));
        let org = OrgId::new();
        let s = store(org, "Berlin");
        let p = product(org, 250);
        cache.fill(cache.generation(), &s, &inputs(&[&p], None));
        let other = product(org, 300);
        assert!(
            cache
                .lookup(org, s.id, &[line(p.id), line(other.id)])
                .is_none()
        );
        assert!(cache.lookup(OrgId::new(), s.id, &[line(p.id)]).is_none());
        assert!(cache.lookup(org, StoreId::new(), &[line(p.id)]).is_none());
    }

    #[test]
    fn invalidation_empties_the_cache_and_refuses_a_fill_read_before_it() {
        let cache = PricingCache::new(Duration::from_secs(60));
        let org = OrgId::new();
        let s = store(org, "Berlin");
        let p = product(org, 250);
        cache.fill(cache.generation(), &s, &inputs(&[&p], None));
        // A sale starts reading the catalog, a price change commits, then the sale's fill
        // arrives with what it read before the change.
        let before_change = cache.generation();
        drop(InvalidateOnDrop(&cache));
        assert!(cache.lookup(org, s.id, &[line(p.id)]).is_none());
        cache.fill(before_change, &s, &inputs(&[&p], None));
        assert!(cache.lookup(org, s.id, &[line(p.id)]).is_none());
        cache.fill(cache.generation(), &s, &inputs(&[&p], None));
        assert!(cache.lookup(org, s.id, &[line(p.id)]).is_some());
    }

    #[test]
    fn entries_expire_and_a_zero_ttl_caches_nothing() {
        let org = OrgId::new();
        let s = store(org, "Berlin");
        let p = product(org, 250);
        let short = PricingCache::new(Duration::from_millis(20));
        short.fill(short.generation(), &s, &inputs(&[&p], None));
        assert!(short.lookup(org, s.id, &[line(p.id)]).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(short.lookup(org, s.id, &[line(p.id)]).is_none());
        let off = PricingCache::new(Duration::ZERO);
        off.fill(off.generation(), &s, &inputs(&[&p], None));
        assert!(off.lookup(org, s.id, &[line(p.id)]).is_none());
    }
}
