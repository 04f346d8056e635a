"""http(s) URLs as an HTTP origin sees them: origins and normalised paths.

An origin's keys stay percent-encoded: to a web server `%2F` is not `/` and `%FF` is a fine
byte, so only what RFC 3986 calls equivalent is normalised (dot segments, with `%2e` counting
as `.`; the case of escapes; escapes of unreserved characters, `%73` is `s`, 6.2.2.2, so that a
playlist cannot name itself anew with each escape) and characters a URL cannot carry are
encoded. Dot segments above the top are dropped, as every browser and player does (RFC 3986
5.2.4), so a key never leaves its origin.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, quote, unquote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_SAFE = "!$&'()*+,;=:@%-._~"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escape(match: re.Match[str]) -> str:
    """An escape in normal form: the character itself when it is unreserved, else upper case."""
    char = chr(int(match.group(0)[1:], 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def _encode(text: str, safe: str) -> str:
    text = _LONE_PERCENT.sub("%25", text)
    text = _ESCAPE.sub(_escape, text)
    return quote(text, safe=safe)


def url_path(path: str) -> str:
    """`path` (absolute) with dot segments removed and its encoding normalised."""
    parts = path.split("/")[1:] if path.startswith("/") else path.split("/")
    segments: list[str] = []
    for part in parts:
        plain = unquote(part, errors="replace") if "%" in part else part
        if plain == ".":
            continue
        if plain == "..":
            if segments:
                segments.pop()
            continue
        segments.append(_encode(part, _SAFE))
    if parts and unquote(parts[-1], errors="replace") in (".", ".."):
        segments.append("")  # "a/b/.." is the directory "a/"
    return "/" + "/".join(segments)


def http_key(path: str, query: str) -> str:
    """The key of an origin's object: its normalised path without the leading "/", and the
    query, which is part of what an HTTP server is asked for."""
    key = url_path(path or "/")[1:]
    return f"{key}?{_encode(query, _SAFE + '/?')}" if query else key


def origin_of(parts: SplitResult) -> str:
    """`scheme://host[:port]` in canonical form (lower case, default port left out)."""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS.get(scheme)) else (
        f"{scheme}://{host}:{port}")


def split_url(url: str) -> SplitResult | None:
    """`url` split, or None when it is not a usable http(s) URL (no host, a bad port)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts
