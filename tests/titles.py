"""A real ffmpeg title from fixtures/titles, placed on disk or in an S3 bucket, to be damaged."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, S3

TITLES = FIXTURES / "titles"


@dataclass
class Title:
    """One title tree; `where` is `local` or `s3`. Keys are relative to the tree's root."""

    name: str
    where: str
    root: Path
    s3: S3 | None = None

    @property
    def bucket(self) -> str:
        return self.name

    def uri(self, key: str) -> str:
        if self.where == "s3":
            return f"s3://{self.bucket}/{key}"
        return str(self.root / key)

    def target(self, key: str = "") -> list[str]:
        """CLI arguments that name `key` (a playlist or a prefix) in this title."""
        if self.where == "s3":
            assert self.s3 is not None
            return [f"s3://{self.bucket}/{key}", "--endpoint-url", self.s3.endpoint]
        return [str(self.root / key) if key else str(self.root)]

    def read(self, key: str) -> bytes:
        if self.where == "s3":
            assert self.s3 is not None
            return self.s3.get(key, self.bucket)
        return (self.root / key).read_bytes()

    def write(self, key: str, data: bytes) -> None:
        if self.where == "s3":
            assert self.s3 is not None
            self.s3.put(key, data, self.bucket)
        else:
            (self.root / key).parent.mkdir(parents=True, exist_ok=True)
            (self.root / key).write_bytes(data)

    def delete(self, key: str) -> None:
        if self.where == "s3":
            assert self.s3 is not None
            self.s3.delete(key, self.bucket)
        else:
            (self.root / key).unlink()

    def edit(self, key: str, change: Callable[[str], str]) -> None:
        self.write(key, change(self.read(key).decode()).encode())


def place(name: str, where: str, tmp_path: Path, s3: S3 | None) -> Title:
    """Copy title `name` to a temporary directory, or upload it to a bucket of that name."""
    source = TITLES / name
    if where == "s3":
        assert s3 is not None
        s3.new_bucket(name)
        s3.upload_tree(source, bucket=name)
        return Title(name, where, source, s3)
    root = tmp_path / name
    shutil.copytree(source, root)
    return Title(name, where, root)


def findings(report: dict[str, Any], *severities: str) -> list[tuple[str, str | None]]:
    """(name, uri) of the findings of the given severities (errors by default: the intact
    titles have no error, so a damage's errors are exactly what it caused)."""
    wanted = severities or ("error",)
    return [(f["name"], f["uri"]) for f in report["findings"] if f["severity"] in wanted]


def playlist(report: dict[str, Any], uri: str) -> dict[str, Any]:
    [entry] = [p for p in report["playlists"] if p["uri"] == uri]
    return entry
