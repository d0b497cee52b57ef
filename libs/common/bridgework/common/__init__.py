"""What every Bridgework service needs: event contracts, topics, settings, Kafka and Postgres plumbing."""
