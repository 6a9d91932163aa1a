"""WSGI entry point: ``flask`` finds it from the repository root; gunicorn serves ``app:app``."""

from htpm_events import create_app

app = create_app()
