"""GraphQL gateway: one endpoint for dashboards, over a read model built from every topic."""
