"""Process engine: scheduled jobs (and later the outbox, rules and approvals)."""
