-- Pruning the inbox finds old rows by when they were applied. Rows arrive in applied_at
-- order, so a BRIN index (a few pages, next to nothing per insert) narrows the search to
-- the oldest blocks; a B-tree would cost every claim another index insert.
CREATE INDEX inbox_applied_at ON inbox USING brin (applied_at);
