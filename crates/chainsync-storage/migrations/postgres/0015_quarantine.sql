-- The mutations a revoked terminal sent, kept for review (GET .../quarantined-mutations): a
-- partial index, so the applied mutations (nearly all of them) cost it nothing.
CREATE INDEX mutations_quarantined_idx ON mutations (terminal_id, id) WHERE status = 'quarantined';
