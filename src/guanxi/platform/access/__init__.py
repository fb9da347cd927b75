"""Users, credentials and the acting user (permissions grow here with the access issue)."""
