"""Process settings from ``SOUK_*`` environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOUK_", extra="ignore")

    #: Where souk keeps its embedded database, media and search index.
    var_dir: Path = Path("var")
    #: SQLAlchemy URL; the embedded default is a SQLite file under ``var_dir``.
    database_url: str = ""
    #: Set to a Redis URL to run background work on Celery workers.
    broker_url: str | None = None
    #: Signs session cookies and CSRF tokens; generated once into ``var_dir`` when unset.
    secret_key: str = ""
    #: Public base URL, used for links in e-mails and the seller API (never the Host header).
    base_url: str = "http://127.0.0.1:8000"
    #: A TOML file whose values override the marketplace policy defaults.
    policy_file: Path | None = None
    #: Run the outbox dispatcher and job scheduler inside the web process.
    run_background: bool = True
    #: Threads per web process for request handlers. More than a few per core
    #: only makes them queue for Python's interpreter lock instead of the event loop.
    web_threads: int = 8
    #: Seconds a storefront page rendered for a visitor without a session is served
    #: from memory to the next such visitors (0 turns the page cache off).
    page_cache_seconds: float = 5.0
    #: Pages kept in that cache per web process.
    page_cache_entries: int = 5000

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'souk.db').as_posix()}"

    @property
    def media_dir(self) -> Path:
        return self.var_dir / "media"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
