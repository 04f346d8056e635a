"""The command line (`hlsinspect`, `python -m hlsinspect`): `app`, run by `command.main`."""

from hlsinspect.cli.app import app
from hlsinspect.command import main

__all__ = ["app", "main"]
