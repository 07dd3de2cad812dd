"""Schema migrations (Alembic) run from souk's own command line."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Apply migrations; "heads" applies every branch (capabilities developed side
    by side may add revisions off the same parent until a merge revision joins them)."""
    command.upgrade(alembic_config(database_url), revision)


def make_revision(database_url: str, message: str) -> None:
    """Developers: autogenerate a migration from the models' differences."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
