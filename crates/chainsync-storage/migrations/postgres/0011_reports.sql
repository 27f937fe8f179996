-- Reports read a store's sale and return lines and its stock corrections by time (PostgreSQL dialect).
CREATE INDEX sale_lines_store_time_idx ON sale_lines (store_id, occurred_at);
CREATE INDEX return_lines_store_time_idx ON return_lines (store_id, occurred_at);
-- Only adjustments and count corrections: sale movements (most of the ledger) stay out of it.
CREATE INDEX stock_movements_corrections_idx ON stock_movements (store_id, occurred_at)
    WHERE kind IN ('adjustment', 'count_correction');
