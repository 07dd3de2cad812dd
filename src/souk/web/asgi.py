"""The ASGI entry point for servers: ``uvicorn souk.web.asgi:app``."""

from souk.web.app import create_app

app = create_app()
