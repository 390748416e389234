"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from helpcenter.db import database
from helpcenter.models import Base


def test_the_migrated_database_is_what_the_models_say(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)  # migrated to the head by the fixture
    with database(app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
