//! The demo chain's catalog and stock: ten categories of a European grocery-and-basics chain,
//! three brands per item, clothing with size variants, suppliers, two terminals per store, and
//! opening stock received at cost in every store with reorder points.
//!
//! Barcodes use the GS1 in-store prefix 20 (EAN-13 with a correct check digit), so they never
//! collide with real products. Everything follows from the seed.

use super::IdGen;
use chainsync_domain::catalog as rules;
use chainsync_domain::ids::{CategoryId, OrgId, ProductId, StoreId, SupplierId, TerminalId};
use chainsync_domain::stock::MovementKind;
use chainsync_storage::catalog::{self, CategoryRecord, ProductRecord, SupplierRecord};
use chainsync_storage::stock::{self, NewMovement, Replenishment};
use chainsync_storage::{Conn, StorageResult, terminals};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// How much of the catalog to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoScale {
    /// The organisation, stores and staff only (fast; used by tests).
    Staff,
    /// About 30 products.
    Small,
    /// About 300 products.
    Full,
}

struct Category {
    name: &'static str,
    tax_class: &'static str,
    weighed: bool,
    /// Price range of one unit (per kg when weighed), minor units.
    price: (i64, i64),
    items: &'static [&'static str],
    brands: [&'static str; 3],
}

const CATEGORIES: [Category; 10] = [
    Category {
        name: "Fruit & Vegetables",
        tax_class: "reduced",
        weighed: true,
        price: (129, 699),
        items: &[
            "Apples",
            "Bananas",
            "Tomatoes",
            "Potatoes",
            "Carrots",
            "Onions",
            "Grapes",
            "Pears",
            "Lemons",
            "Cucumbers",
        ],
        brands: ["Bio", "Regional", "Select"],
    },
    Category {
        name: "Bakery",
        tax_class: "reduced",
        weighed: false,
        price: (59, 449),
        items: &[
            "Sourdough Loaf",
            "Baguette",
            "Croissant",
            "Rye Bread",
            "Pretzel",
            "Muffin",
            "Wholegrain Rolls 6 pcs",
            "Cinnamon Bun",
            "Brioche",
            "Ciabatta",
        ],
        brands: ["Backhaus", "Le Fournil", "Daily"],
    },
    Category {
        name: "Dairy",
        tax_class: "reduced",
        weighed: false,
        price: (79, 599),
        items: &[
            "Whole Milk 1 l",
            "Butter 250 g",
            "Natural Yogurt 500 g",
            "Gouda 400 g",
            "Cream 200 ml",
            "Quark 250 g",
            "Mozzarella 125 g",
            "Skyr 450 g",
            "Feta 200 g",
            "Oat Drink 1 l",
        ],
        brands: ["Alpenhof", "Nordmilch", "Casa"],
    },
    Category {
        name: "Beverages",
        tax_class: "standard",
        weighed: false,
        price: (49, 999),
        items: &[
            "Still Water 1.5 l",
            "Sparkling Water 1 l",
            "Cola 0.5 l",
            "Orange Juice 1 l",
            "Apple Juice 1 l",
            "Lager 0.5 l",
            "Red Wine 0.75 l",
            "Iced Tea 0.5 l",
            "Lemonade 0.33 l",
            "Espresso Beans 500 g",
        ],
        brands: ["Quelle", "Sunny", "Vintner"],
    },
    Category {
        name: "Pantry",
        tax_class: "reduced",
        weighed: false,
        price: (89, 899),
        items: &[
            "Basmati Rice 1 kg",
            "Spaghetti 500 g",
            "Olive Oil 0.75 l",
            "Wheat Flour 1 kg",
            "Sugar 1 kg",
            "Chopped Tomatoes 400 g",
            "Chickpeas 400 g",
            "Muesli 750 g",
            "Honey 500 g",
            "Green Tea 20 bags",
        ],
        brands: ["Dispensa", "Harvest", "Gourmet"],
    },
    Category {
        name: "Snacks",
        tax_class: "reduced",
        weighed: false,
        price: (79, 499),
        items: &[
            "Potato Chips 175 g",
            "Dark Chocolate 100 g",
            "Butter Biscuits 200 g",
            "Salted Peanuts 200 g",
            "Gummy Bears 200 g",
            "Rice Cakes 100 g",
            "Trail Mix 150 g",
            "Pretzel Sticks 250 g",
            "Granola Bar",
            "Popcorn 90 g",
        ],
        brands: ["Crunch", "Cocoa Club", "Nibble"],
    },
    Category {
        name: "Household",
        tax_class: "standard",
        weighed: false,
        price: (99, 1299),
        items: &[
            "Dish Soap 500 ml",
            "Laundry Detergent 1.5 l",
            "Paper Towels 4 rolls",
            "Toilet Paper 8 rolls",
            "Sponges 5 pcs",
            "Bin Bags 20 pcs",
            "Glass Cleaner 500 ml",
            "Candles 4 pcs",
            "Batteries AA 4 pcs",
            "Aluminium Foil 30 m",
        ],
        brands: ["Clean", "Eco Home", "Basics"],
    },
    Category {
        name: "Personal Care",
        tax_class: "standard",
        weighed: false,
        price: (99, 999),
        items: &[
            "Shampoo 300 ml",
            "Toothpaste 75 ml",
            "Hand Soap 250 ml",
            "Shower Gel 250 ml",
            "Deodorant 150 ml",
            "Body Lotion 400 ml",
            "Cotton Pads 80 pcs",
            "Razor Blades 4 pcs",
            "Sun Cream SPF 30",
            "Lip Balm",
        ],
        brands: ["Pure", "Nivelle", "Derma"],
    },
    Category {
        name: "Frozen",
        tax_class: "reduced",
        weighed: false,
        price: (149, 799),
        items: &[
            "Margherita Pizza",
            "Garden Peas 750 g",
            "Vanilla Ice Cream 1 l",
            "Fish Fingers 15 pcs",
            "Spinach 450 g",
            "Berry Mix 300 g",
            "French Fries 1 kg",
            "Vegetable Gyoza",
            "Lasagne 400 g",
            "Mango Sorbet 500 ml",
        ],
        brands: ["Polar", "Iglo", "Frosty"],
    },
    Category {
        name: "Clothing",
        tax_class: "standard",
        weighed: false,
        price: (499, 4999),
        items: &[
            "Cotton T-Shirt",
            "Hoodie",
            "Socks 3 pairs",
            "Rain Jacket",
            "Beanie",
        ],
        brands: ["Urban", "Nordic", "Basic"],
    },
];

const SUPPLIERS: [(&str, &str); 4] = [
    ("Fresh Farms Cooperative", "orders@freshfarms.example"),
    ("EuroFood Wholesale", "sales@eurofood.example"),
    ("HomeGoods Distribution", "service@homegoods.example"),
    ("Textile Partners", "b2b@textile.example"),
];

const SIZES: [&str; 4] = ["S", "M", "L", "XL"];

/// An EAN-13 in the GS1 in-store range (prefix 20) with a correct check digit.
fn ean13(rng: &mut ChaCha8Rng) -> String {
    let body: String = format!("20{:010}", rng.random_range(0..10_000_000_000u64));
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A sellable product with where it sits in the catalog (what the history simulator needs).
#[derive(Debug, Clone)]
pub struct SeededProduct {
    pub record: ProductRecord,
    pub category: &'static str,
    /// The item's name without brand or size.
    pub item: &'static str,
    /// Position of the item in its category (0 sells best).
    pub item_rank: usize,
    /// Position of the brand (0 leads).
    pub brand_rank: usize,
    pub size: Option<&'static str>,
}

/// What [`seed_catalog`] created.
#[derive(Debug, Default)]
pub struct SeededCatalog {
    pub products: Vec<SeededProduct>,
    /// The two tills of each store, in store order.
    pub tills: Vec<[terminals::TerminalRecord; 2]>,
    /// Opening stock per store, per product (in `products` order).
    pub opening: Vec<Vec<i64>>,
}

/// Creates the catalog, terminals and opening stock of the demo organisation. With
/// `record_opening` false the opening stock is only returned (with reorder levels set), for
/// the history to receive it at its first day instead of now.
#[allow(clippy::too_many_arguments)]
pub async fn seed_catalog(
    tx: &mut Conn,
    org: OrgId,
    stores: &[(StoreId, String)],
    scale: DemoScale,
    rng: &mut ChaCha8Rng,
    ids: &mut IdGen,
    now: i64,
    record_opening: bool,
) -> StorageResult<SeededCatalog> {
    let mut seeded = SeededCatalog {
        opening: vec![Vec::new(); stores.len()],
        ..SeededCatalog::default()
    };
    if scale == DemoScale::Staff {
        return Ok(seeded);
    }
    let (items_per_category, brands) = match scale {
        DemoScale::Small => (3, 1),
        _ => (10, 3),
    };
    let mut suppliers = Vec::new();
    for (name, email) in SUPPLIERS {
        let s = SupplierRecord {
            id: SupplierId(ids.next()),
            org_id: org,
            name: name.into(),
            contact_name: None,
            email: Some(email.into()),
            phone: None,
            active: true,
            created_at: now,
            updated_at: now,
        };
        catalog::save_supplier(tx, &s).await?;
        suppliers.push(s.id);
    }
    for (store, code) in stores {
        let mut till = |n: u32| terminals::TerminalRecord {
            id: TerminalId(ids.next()),
            org_id: org,
            store_id: *store,
            code: format!("{code}-T{n}"),
            name: format!("Till {n}"),
            active: true,
            last_seq: 0,
            created_at: now,
            revoked_at: None,
        };
        let pair = [till(1), till(2)];
        for terminal in &pair {
            terminals::insert(tx, terminal).await?;
        }
        seeded.tills.push(pair);
    }

    for (c, category) in CATEGORIES.iter().enumerate() {
        let record = CategoryRecord {
            id: CategoryId(ids.next()),
            org_id: org,
            name: category.name.into(),
            parent_id: None,
            active: true,
            created_at: now,
            updated_at: now,
        };
        catalog::save_category(tx, &record).await?;
        let supplier = suppliers[match c {
            0..=2 => 0,
            3..=5 | 8 => 1,
            9 => 3,
            _ => 2,
        }];
        for (i, item) in category.items.iter().take(items_per_category).enumerate() {
            for (b, brand) in category.brands.iter().take(brands).enumerate() {
                let price = rng.random_range(category.price.0..=category.price.1) / 10 * 10 + 9;
                let cost = price * rng.random_range(45..=65) / 100;
                let sku_base = format!(
                    "{}{:02}{}",
                    &category.name[..3].to_ascii_uppercase(),
                    i,
                    &brand[..2].to_ascii_uppercase()
                );
                let base = ProductRecord {
                    id: ProductId(ids.next()),
                    org_id: org,
                    sku: sku_base.clone(),
                    name: format!("{brand} {item}"),
                    category_id: Some(record.id),
                    supplier_id: Some(supplier),
                    brand: Some((*brand).into()),
                    unit: if category.weighed { "weighed" } else { "each" }.into(),
                    price_minor: price,
                    cost_minor: cost,
                    tax_class: category.tax_class.into(),
                    parent_id: None,
                    variant_attributes: BTreeMap::new(),
                    active: true,
                    barcodes: if category.name == "Clothing" {
                        vec![]
                    } else {
                        vec![ean13(rng)]
                    },
                    created_at: now,
                    updated_at: now,
                };
                let mut sellable = Vec::new();
                let seeded_product =
                    |record: ProductRecord, size: Option<&'static str>| SeededProduct {
                        record,
                        category: category.name,
                        item,
                        item_rank: i,
                        brand_rank: b,
                        size,
                    };
                write(tx, &base).await?;
                if category.name == "Clothing" {
                    for size in SIZES {
                        let variant = ProductRecord {
                            id: ProductId(ids.next()),
                            sku: format!("{sku_base}-{size}"),
                            name: format!("{brand} {item} {size}"),
                            parent_id: Some(base.id),
                            variant_attributes: BTreeMap::from([(
                                "size".to_owned(),
                                size.to_owned(),
                            )]),
                            barcodes: vec![ean13(rng)],
                            ..base.clone()
                        };
                        write(tx, &variant).await?;
                        sellable.push(seeded_product(variant, Some(size)));
                    }
                } else {
                    sellable.push(seeded_product(base, None));
                }
                for product in sellable {
                    for (s, (store, _)) in stores.iter().enumerate() {
                        let quantity = opening_stock(
                            tx,
                            org,
                            *store,
                            &product.record,
                            rng,
                            now,
                            record_opening,
                        )
                        .await?;
                        seeded.opening[s].push(quantity);
                    }
                    seeded.products.push(product);
                }
            }
        }
    }
    Ok(seeded)
}

async fn write(tx: &mut Conn, p: &ProductRecord) -> StorageResult<()> {
    catalog::write_product(
        tx,
        p,
        &rules::search_terms(&p.name, p.brand.as_deref(), &p.sku, &p.barcodes),
    )
    .await?;
    catalog::record_price_change(
        tx,
        &catalog::PriceChange {
            id: uuid::Uuid::now_v7(),
            org_id: p.org_id,
            product_id: p.id,
            store_id: None,
            old_price_minor: None,
            new_price_minor: Some(p.price_minor),
            changed_by: None,
            changed_at: p.created_at,
        },
    )
    .await
}

/// Opening stock received at the product's cost (unless `record` is false), and a reorder
/// point at about a fifth of it; returns the quantity.
async fn opening_stock(
    tx: &mut Conn,
    org: OrgId,
    store: StoreId,
    p: &ProductRecord,
    rng: &mut ChaCha8Rng,
    now: i64,
    record: bool,
) -> StorageResult<i64> {
    let weighed = p.unit == "weighed";
    let quantity = if weighed {
        rng.random_range(5..=40) * 1000
    } else {
        rng.random_range(12..=120)
    };
    let reorder = quantity / 5;
    let levels = Replenishment {
        reorder_point: Some(reorder),
        min_level: Some(reorder),
        max_level: Some(quantity * 2),
    };
    stock::set_levels(tx, org, store, p.id, levels, now).await?;
    if !record {
        return Ok(quantity);
    }
    stock::record_movement(
        tx,
        &NewMovement {
            org_id: org,
            store_id: store,
            product_id: p.id,
            kind: MovementKind::Receipt,
            quantity,
            reason: Some("opening stock".into()),
            reference: None,
            unit_cost_minor: Some(p.cost_minor),
            user_id: None,
            occurred_at: now,
            recorded_at: now,
        },
    )
    .await?;
    Ok(quantity)
}
