"""URLs as hlsinspect shows them: never with the user:password some carry."""

from __future__ import annotations

from urllib.parse import urlsplit


def redact(text: str) -> str:
    """`text` without any user:password@ a URL in it carries, so none is ever printed."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if "@" not in parts.netloc or not parts.scheme:
        return text
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()
