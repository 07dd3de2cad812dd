"""The migrations are one line of history and build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from souk.core.migrate import alembic_config
from souk.core.models import metadata


def test_migrations_have_a_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_migrated_schema_matches_the_models(rt):
    with rt.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            # Index and constraint names differ harmlessly between the two databases.
            if isinstance(d, tuple)
            and d[0] in ("add_table", "remove_table", "add_column", "remove_column")
        ]
    assert differences == []
