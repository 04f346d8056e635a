"""Settings from a file in the working directory: `.hlsinspect.toml`, or the
`[tool.hlsinspect]` table of `pyproject.toml` (the first wins; they are not merged).

Keys are named like the long options of `check` (`rules`, `select`, `ignore`, `fail-on`...);
the command line wins over the file. A key hlsinspect does not know is an error, not a silent
no-op: a typo in a CI config must not quietly turn a check off.

Where S3 credentials go is never the file's to decide: the working directory may be a
repository just checked out, and an `endpoint-url` (or `profile`) there would send signed
requests, with the access key ID and session token, to whatever host it names. Those come from
the command line, the environment or the user's own AWS config; the file naming one is an
error. (`region` stays: botocore takes only a region name there, never a host.)
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hlsinspect.checks import registry
from hlsinspect.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LIST = "a list of strings"
KEYS: dict[str, str] = {
    "rules": "rfc or apple",
    "select": LIST,
    "ignore": LIST,
    "map": LIST,
    "fail-on": "error or warning",
    "verify": "head, list or auto",
    "concurrency": "an integer from 1 to 512",
    "timeout": "a number of seconds from 0.1 to 3600",
    "bucket": "a bucket name",
    "region": "a region name",
    "inventory": "an s3:// URI of an S3 Inventory manifest.json",
    "inventory-max-age": "a duration such as 2d, 36h or 90m, or seconds",
    "probe": "none, sample or all",
    "probe-tolerance": "a number of seconds from 0 to 60",
}
_CHOICES = {"rules": ("rfc", "apple"), "fail-on": ("error", "warning"),
            "verify": ("head", "list", "auto"), "probe": ("none", "sample", "all")}
FILES = (".hlsinspect.toml", "pyproject.toml")
CREDENTIAL_KEYS: dict[str, str] = {
    "endpoint-url": "--endpoint-url, AWS_ENDPOINT_URL or endpoint_url in your own AWS config",
    "profile": "--profile, AWS_PROFILE or your own AWS config",
}
"""Settings that decide where credentials are sent, and where they may be given instead."""


@dataclass(frozen=True)
class FileSettings:
    """The settings one file holds, already checked."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values.get(key)


def load(directory: Path) -> FileSettings:
    """The settings of the first of `.hlsinspect.toml` and `pyproject.toml` that has any."""
    for name in FILES:
        path = directory / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {exc}",
                             hint="fix the TOML syntax, or move the file away") from None
        tool = data.get("tool")
        nested = tool.get("hlsinspect") if isinstance(tool, dict) else None
        # .hlsinspect.toml holds the keys at its top; a [tool.hlsinspect] table copied
        # from pyproject.toml is read the same
        table = data if name == ".hlsinspect.toml" and nested is None else nested
        if table is None:
            continue
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [tool.hlsinspect] must be a table")
        return FileSettings(path, _checked(path, table))
    return FileSettings()


def _checked(path: Path, table: dict[str, Any]) -> dict[str, Any]:
    _no_credential_keys(path, table)
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        near = [difflib.get_close_matches(k, list(KEYS), n=1, cutoff=0.6) for k in unknown]
        guesses = [n[0] if len(unknown) == 1 else f"{n[0]} for {k!r}"
                   for k, n in zip(unknown, near, strict=True) if n]
        raise UsageError(
            f"{path}: unknown setting{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(k) for k in unknown)}"
            + (f"; did you mean {', '.join(guesses)}?" if guesses else ""),
            hint=f"valid keys: {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        problem = _problem(key, value)
        if problem:
            raise UsageError(f"{path}: {key} must be {KEYS[key]}, found {value!r}",
                             hint=problem or None)
        values[key] = [value] if KEYS[key] == LIST and isinstance(value, str) else value
    for key in ("select", "ignore"):
        for token in values.get(key, []):
            _known_rule(path, key, token)
    return values


def _no_credential_keys(path: Path, table: dict[str, Any]) -> None:
    """UsageError when the file sets where credentials go (its value is never shown)."""
    for key in (k for k in CREDENTIAL_KEYS if k in table or k.replace("-", "_") in table):
        written = key if key in table else key.replace("-", "_")
        raise UsageError(
            f"{path}: {written} cannot be set in a settings file: it decides where S3 "
            "credentials are sent, which a repository checked out in the working directory "
            "must not choose",
            hint=f"give it with {CREDENTIAL_KEYS[key]}; remove {written} from {path.name}")


def _known_rule(path: Path, key: str, token: str) -> None:
    """A rule named in the file exists; the error names the file, not just the rule."""
    for part in (t.strip() for t in token.split(",")):
        if part:
            try:
                registry.lookup(part)
            except UsageError as exc:
                raise UsageError(f"{path}: {key}: {exc.message}", hint=exc.hint) from None


def _problem(key: str, value: Any) -> str | None:
    """Why `value` does not fit `key` (a non-empty string), or None."""
    if KEYS[key] == LIST:
        items = [value] if isinstance(value, str) else value
        ok = isinstance(items, list) and all(isinstance(v, str) for v in items)
        return None if ok else f'write {key} = ["...", "..."]'
    if key == "probe-tolerance":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and 0 <= value <= 60)
        return None if ok else "write probe-tolerance = 0.5"
    if key == "inventory-max-age":
        from hlsinspect.settings import parse_duration

        try:
            parse_duration(value, key)
        except UsageError:
            return 'write inventory-max-age = "2d" (or "36h", "90m", seconds; 0: any age)'
        return None
    if key == "timeout":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and 0.1 <= value <= 3600)
        return None if ok else "write timeout = 60"
    if key == "concurrency":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 512
        return None if ok else "write concurrency = 32"
    if not isinstance(value, str) or not value:
        return f'write {key} = "..."'
    choices = _CHOICES.get(key)
    if choices and value not in choices:
        return f"use one of: {', '.join(choices)}"
    return None


ENVIRONMENT_PREFIX = "HLSINSPECT_"


def from_environment(environ: Mapping[str, str], others: tuple[str, ...] = ()) -> FileSettings:
    """Settings from `HLSINSPECT_*` variables named like the keys (`HLSINSPECT_FAIL_ON=warning`,
    `HLSINSPECT_SELECT=segment-missing,key-missing`), checked as a file's are: where there is
    no command line (a Lambda function, a container), the environment plays the settings file.

    Lists are comma-separated, numbers are numbers. A variable that names no setting (a typo
    such as HLSINSPECT_FAILON) is an error, as in a file, unless the caller reads it itself
    (`others`: names after the prefix, such as `TRIGGER`).
    """
    table: dict[str, Any] = {}
    for name, text in environ.items():
        if not name.startswith(ENVIRONMENT_PREFIX) or not text:
            continue
        word = name[len(ENVIRONMENT_PREFIX):]
        if word in others:
            continue
        key = word.lower().replace("_", "-")
        table[key] = _typed(key, text)
    return FileSettings(None, _checked(Path(f"{ENVIRONMENT_PREFIX}* variables"), table))


def _typed(key: str, text: str) -> Any:
    """A variable's text as the TOML value the key takes."""
    if KEYS.get(key) == LIST:
        return [part.strip() for part in text.split(",") if part.strip()]
    if key == "concurrency" and text.strip().isdigit():
        return int(text)
    if key == "probe-tolerance":
        try:
            return float(text)
        except ValueError:
            return text
    return text
