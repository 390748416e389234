"""The migrations build exactly the tables the models describe, on SQLite and on PostgreSQL, and go back down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from helpcenter.db import downgrade, upgrade
from helpcenter.models import Base


def test_the_migrations_match_the_models_and_downgrade_to_nothing(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
        assert differences == [], "a model changed without its migration"
        downgrade(app, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade(app)
        with engine.connect() as connection:
            assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
