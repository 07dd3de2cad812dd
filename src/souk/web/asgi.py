"""The ASGI entry point for servers: ``uvicorn souk.web.asgi:app``."""

from souk.web.app import create_app, settle_the_heap_once_warm

app = create_app()
# Only serving processes do this: a test process builds many apps and has no requests to protect.
settle_the_heap_once_warm()
