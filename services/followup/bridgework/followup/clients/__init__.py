"""What follow-up reaches outside its own database: mail servers, webhooks, template files."""
