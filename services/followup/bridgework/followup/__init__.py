"""Follow-up: keeps agreements alive with supportive nudges and check-ins."""
