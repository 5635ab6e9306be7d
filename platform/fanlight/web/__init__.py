"""The Fanlight web runtime: a Flask application over the pure engine."""

from .app import create_app

__all__ = ["create_app"]
