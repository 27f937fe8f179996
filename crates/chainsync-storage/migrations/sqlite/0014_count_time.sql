-- The time of the latest stock count of each item: a movement that occurred before it but is
-- recorded after it (an offline till's sale, a count taken earlier but entered later) was
-- already on the shelf the count saw, so the count absorbs it (crates/chainsync-storage/src/stock.rs).
ALTER TABLE stock_levels ADD COLUMN counted_at INTEGER;
