-- A year of one store's sales: 300 sales a day, 3 lines each, 300 products (every 10th weighed),
-- 09:00-21:00 UTC spread; a second store with the same volume so the indexes must discriminate.
INSERT INTO organisations (id, name, currency, locale, is_demo, created_at, updated_at) VALUES ('org', 'Bench', 'EUR', 'en-GB', 0, 0, 0);
INSERT INTO stores (id, org_id, code, name, country, currency, timezone, tax_rates, tax_inclusive, active, created_at, updated_at)
  VALUES ('s1', 'org', 'BER', 'Berlin', 'DE', 'EUR', 'Europe/Berlin', '{"standard":1900}', 1, 1, 0, 0),
         ('s2', 'org', 'PAR', 'Paris', 'FR', 'EUR', 'Europe/Paris', '{"standard":2000}', 1, 1, 0, 0);
INSERT INTO terminals (id, org_id, store_id, code, name, active, last_seq, created_at) VALUES ('t1', 'org', 's1', 'BER-T1', 'T1', 1, 0, 0), ('t2', 'org', 's2', 'PAR-T1', 'T1', 1, 0, 0);
INSERT INTO categories (id, org_id, name, active, created_at, updated_at)
  WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < 9) SELECT 'c' || n, 'org', 'Cat ' || n, 1, 0, 0 FROM c;
INSERT INTO products (id, org_id, sku, name, category_id, unit, price_minor, cost_minor, tax_class, variant_attributes, active, created_at, updated_at)
  WITH RECURSIVE p(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM p WHERE n < 299)
  SELECT 'p' || n, 'org', 'SKU' || n, 'Product ' || n, 'c' || (n % 10), CASE WHEN n % 10 = 0 THEN 'weighed' ELSE 'each' END, 100 + n, 50 + n, 'standard', '{}', 1, 0, 0 FROM p;
INSERT INTO sales (id, org_id, store_id, terminal_id, mutation_id, receipt_number, cashier_user_id, occurred_at, recorded_at, currency, total_minor, tax_minor, discount_minor, cogs_minor, flags, priced, payments)
  WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 219999)
  SELECT 'sale' || n, 'org', CASE WHEN n % 2 = 0 THEN 's1' ELSE 's2' END, CASE WHEN n % 2 = 0 THEN 't1' ELSE 't2' END, 'm' || n, 'R' || n, 'u' || (n % 4),
         1735722000000 + (n / 600) * 86400000 + (n % 600) * 72000, 0, 'EUR', 0, 0, 0, 0, '[]', '{}', '[]' FROM s;
INSERT INTO sale_lines (sale_id, line_no, org_id, store_id, product_id, quantity, unit_price_minor, discount_minor, total_excl_tax_minor, tax_minor, total_minor, cogs_minor, occurred_at)
  WITH RECURSIVE l(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM l WHERE k < 2)
  SELECT s.id, l.k, 'org', s.store_id, 'p' || ((CAST(SUBSTR(s.id, 5) AS INTEGER) * 7 + l.k * 13) % 300), 2, 150, 0, 252, 48, 300, 160, s.occurred_at FROM sales s, l;
INSERT INTO stock_movements (id, org_id, store_id, product_id, kind, quantity, reason, unit_cost_minor, occurred_at, recorded_at)
  SELECT 'mv' || sale_id || line_no, 'org', store_id, product_id, 'sale', -quantity, NULL, 80, occurred_at, occurred_at FROM sale_lines;
INSERT INTO stock_movements (id, org_id, store_id, product_id, kind, quantity, reason, unit_cost_minor, occurred_at, recorded_at)
  WITH RECURSIVE a(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM a WHERE n < 1999)
  SELECT 'adj' || n, 'org', 's1', 'p' || (n % 300), CASE WHEN n % 3 = 0 THEN 'count_correction' ELSE 'adjustment' END, -1, CASE WHEN n % 3 = 1 THEN 'damaged' ELSE 'theft' END, 80, 1735722000000 + n * 15000000, 0 FROM a;
INSERT INTO stock_levels (store_id, product_id, org_id, on_hand, avg_cost_minor, updated_at) SELECT 's1', id, 'org', 40, 80, 0 FROM products;
