"""Agreements' entry points: HTTP routes and Kafka subscribers, thin over the use cases."""
