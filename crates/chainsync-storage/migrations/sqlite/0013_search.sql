-- Product search starts from the rarest word of a query (crate::catalog::search_products). Each
-- term row carries its product's name and active flag, so a page of matches is sorted and cut
-- from the terms alone and only the page's products are read; (product_id, term) lets the other
-- words of the query be checked per product from the index.
ALTER TABLE product_search_terms ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE product_search_terms ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
UPDATE product_search_terms
   SET name = (SELECT p.name FROM products p WHERE p.id = product_search_terms.product_id),
       active = (SELECT p.active FROM products p WHERE p.id = product_search_terms.product_id);
DROP INDEX product_search_terms_product_idx;
CREATE INDEX product_search_terms_product_term_idx ON product_search_terms (product_id, term);
