"""The database: the only code that talks to SQLite or PostgreSQL."""
