"""The command line (`hlsinspect`, `python -m hlsinspect`)."""

from hlsinspect.cli.app import app, main

__all__ = ["app", "main"]
