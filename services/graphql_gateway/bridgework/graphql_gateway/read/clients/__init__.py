"""Services the read side calls: agreements' HTTP API."""
