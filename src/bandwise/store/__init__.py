"""Case records: SQLAlchemy tables, engines and Alembic migrations (SQLite or PostgreSQL)."""
