"""The projection's pure rules: folding events into state, and what state adds to the rollups."""
