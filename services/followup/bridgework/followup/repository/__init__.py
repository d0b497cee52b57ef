"""Follow-up's SQL, as SQL: rows in, typed values out; one module per table or concept."""
