"""Where things are kept: SQLAlchemy tables and repositories, the object store, the audit chain."""
