"""The projection's SQL: load state, write the rows and rollups that changed."""
