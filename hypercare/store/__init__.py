"""The SQLite store: opening, migrating and all the SQL of hypercare."""
