"""The read side's ways in: GraphQL over HTTP and WebSocket, the dashboard page."""
