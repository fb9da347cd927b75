"""Sales: quotes and their PDF (the module is declared on main)."""
