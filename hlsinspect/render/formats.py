"""The report formats `--format` offers, in one enum that every dispatch over them exhausts.

The dispatch in render/output.py ends in `assert_never`, so a format added here and not
rendered there fails type checking before it can fail a user.
"""

from __future__ import annotations

import enum
import sys

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # typer depends on typing_extensions
    from typing_extensions import assert_never

__all__ = ["OutputFormat", "assert_never"]


class OutputFormat(str, enum.Enum):
    """What `check` and `merge` print: for people, for programs, or for a CI service."""

    table = "table"
    json = "json"
    github = "github"
    gitlab = "gitlab"
    markdown = "markdown"
    html = "html"
