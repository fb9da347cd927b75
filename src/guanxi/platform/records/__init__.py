"""The records service: every read and write of object data goes through here."""
