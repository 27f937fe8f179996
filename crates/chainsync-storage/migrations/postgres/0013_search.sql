-- Product search starts from the rarest word of a query (crate::catalog::search_products). Each
-- term row carries its product's name (in the "C" collation, as products.name, so both plans
-- order alike) and active flag, so a page of matches is sorted and cut from the terms alone and
-- only the page's products are read; the primary key INCLUDEs them so a range is read by an
-- index-only scan. (product_id, term) lets the other words of the query be checked per product
-- from the index.
ALTER TABLE product_search_terms ADD COLUMN name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE product_search_terms ADD COLUMN active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
UPDATE product_search_terms t SET name = p.name, active = p.active FROM products p WHERE p.id = t.product_id;
ALTER TABLE product_search_terms DROP CONSTRAINT product_search_terms_pkey;
ALTER TABLE product_search_terms ADD CONSTRAINT product_search_terms_pkey
    PRIMARY KEY (org_id, term, product_id) INCLUDE (name, active);
DROP INDEX product_search_terms_product_idx;
CREATE INDEX product_search_terms_product_term_idx ON product_search_terms (product_id, term);
