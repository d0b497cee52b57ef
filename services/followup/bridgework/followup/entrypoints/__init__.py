"""Follow-up's thin adapters: HTTP routes, the HTML page, the Kafka subscriber, the loops."""
