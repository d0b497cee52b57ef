"""The gateway's read side: GraphQL, the dashboard page, and the calls to agreements."""
