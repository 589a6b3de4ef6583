"""Database layer: tables, the async engine, and the embedded PostgreSQL server."""
