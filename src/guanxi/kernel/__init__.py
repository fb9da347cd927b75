"""Infrastructure with no knowledge of the CRM: database, errors, clock, ids."""
