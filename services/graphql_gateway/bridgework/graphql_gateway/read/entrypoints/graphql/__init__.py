"""GraphQL: types, query, mutation, subscription, the schema, and its one error translation."""
