"""Alembic environment: migrations run on the connection storage.db hands over."""
from alembic import context

from storage.search import include_in_schema
from storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, include_name=include_in_schema,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
