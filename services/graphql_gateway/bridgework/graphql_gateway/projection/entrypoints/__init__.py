"""How events reach the projection: its Kafka subscriber."""
