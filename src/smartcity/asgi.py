"""ASGI entry point for servers: ``uvicorn smartcity.asgi:app``."""

from smartcity.app import create_app

app = create_app()
