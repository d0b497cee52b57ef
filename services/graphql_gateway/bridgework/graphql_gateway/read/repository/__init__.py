"""The read side's SQL: pages, batched lookups and sums over the rollups."""
