"""The local file system as a store: the zero-setup default, and the same checks as S3.

A key maps to the file at the same path under the root. The key rules are S3's (see
`storage.keys`), so a copy of a bucket checks like the bucket: a key with an empty segment
(`a//b.ts`, `dir/`), or with a `.` or `..` segment (`a/../b.ts`), is a distinct S3 key that
no file can hold, so it does not exist here, although the operating system would happily
open `a/b.ts` (or `b.ts`) for it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

from hlsinspect.storage.base import (
    MAX_PLAYLIST_BYTES,
    ErrorKind,
    Existence,
    Level,
    ObjectState,
    StorageError,
)
from hlsinspect.uri.keys import Reference, relative


class LocalStorage:
    """Keys are paths relative to `root`: the target directory, a file target's directory,
    or --root."""

    bucket = None

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def path(self, key: str) -> str:
        """The file's path, written as the key is (`a//b.ts` is not folded, so reports show
        the key that was asked for)."""
        return os.path.join(self.root, *key.split("/")) if _holdable(key) else (
            self.root + os.sep + key.replace("/", os.sep))

    def uri(self, key: str) -> str:
        # undecodable file names (surrogate escapes) are shown, never allowed to break output
        return self.path(key).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        return relative(playlist_key, uri)

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        path = self.path(key)
        if not _holdable(key):
            raise StorageError(ErrorKind.NOT_FOUND, f"{path} does not exist (no file can have "
                               "an empty, . or .. segment in its name)")
        state = self.stat(key)
        if state.size is not None and state.size > limit:
            raise StorageError(ErrorKind.TOO_LARGE, f"{path} is {state.size} bytes, larger than "
                               f"a playlist can be ({limit // 2**20} MiB)",
                               "is this really a playlist? hlsinspect reads playlists whole")
        try:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise StorageError(ErrorKind.NOT_FOUND, f"{path} does not exist") from None
        except IsADirectoryError:
            raise StorageError(ErrorKind.OTHER, f"{path} is a directory, not a file") from None
        except PermissionError:
            raise StorageError(ErrorKind.ACCESS_DENIED, f"{path}: permission denied") from None
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            raise StorageError(ErrorKind.OTHER, f"{path}: {exc}") from None
        if len(data) > limit:
            raise StorageError(ErrorKind.TOO_LARGE,
                               f"{path} is larger than a playlist can be ({limit // 2**20} MiB)")
        return data

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        path = self.path(key)
        if not _holdable(key):
            raise StorageError(ErrorKind.NOT_FOUND, f"{path} does not exist")
        try:
            with open(path, "rb") as handle:
                handle.seek(offset)
                return handle.read(length)
        except FileNotFoundError:
            raise StorageError(ErrorKind.NOT_FOUND, f"{path} does not exist") from None
        except PermissionError:
            raise StorageError(ErrorKind.ACCESS_DENIED, f"{path}: permission denied") from None
        except (OSError, ValueError) as exc:
            raise StorageError(ErrorKind.OTHER, f"{path}: {exc}") from None

    def stat(self, key: str) -> ObjectState:
        if not _holdable(key):
            return ObjectState(Existence.MISSING, reason="no file can have that name")
        path = self.path(key)
        try:
            result = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return ObjectState(Existence.MISSING)
        except ValueError:  # a NUL in the name: no such file can exist
            return ObjectState(Existence.MISSING)
        except PermissionError:
            return ObjectState(Existence.UNKNOWN, reason="permission denied")
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                return ObjectState(Existence.MISSING)
            return ObjectState(Existence.UNKNOWN, reason=exc.strerror or str(exc))
        if not os.path.isfile(path):
            return ObjectState(Existence.MISSING, reason="not a regular file")
        return ObjectState(Existence.PRESENT, size=result.st_size)

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        top = self.path(prefix.rstrip("/"))
        if not _holdable(prefix.rstrip("/")) or not os.path.isdir(top):
            raise StorageError(ErrorKind.NOT_FOUND, f"{top} is not a directory")
        seen: set[str] = set()
        root = os.path.realpath(self.root)
        for directory, subdirs, files in os.walk(top, followlinks=True):
            real = os.path.realpath(directory)
            inside = real == root or real.startswith(root.rstrip(os.sep) + os.sep)
            if real in seen or not inside:  # a link loop, or a link out of the root
                subdirs.clear()
                continue
            seen.add(real)
            subdirs.sort()
            for name in sorted(files):
                full = os.path.join(directory, name)
                key = os.path.relpath(full, self.root).replace(os.sep, "/")
                try:
                    yield key, os.stat(full).st_size
                except OSError:
                    continue

    def list_level(self, prefix: str) -> Level:
        """A directory's files and subdirectories; a linked directory that leads back up
        (a loop) or out of the root is not a subdirectory here, as in `list_keys`."""
        top = self.path(prefix.rstrip("/"))
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except FileNotFoundError:
            raise StorageError(ErrorKind.NOT_FOUND, f"{top} is not a directory") from None
        except OSError as exc:
            raise StorageError(ErrorKind.OTHER, f"{top}: {exc.strerror}") from None
        base = f"{prefix.rstrip('/')}/" if prefix.strip("/") else ""
        here = os.path.realpath(top)
        root = os.path.realpath(self.root).rstrip(os.sep) + os.sep
        level = Level()
        for entry in entries:
            try:
                if entry.is_file():
                    level.files[base + entry.name] = entry.stat().st_size
                elif entry.is_dir():
                    real = os.path.realpath(entry.path)
                    inside = (real + os.sep).startswith(root)
                    loop = (here + os.sep).startswith(real + os.sep)
                    if inside and not loop:
                        level.prefixes.append(f"{base}{entry.name}/")
                        level.same[f"{base}{entry.name}/"] = real
            except OSError:
                continue
        return level

    def list_directory(self, directory: str) -> dict[str, int]:
        if directory and not _holdable(directory):
            return {}  # "a//b" is no directory, whatever the OS makes of it
        top = self.path(directory)
        try:
            entries = list(os.scandir(top))
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StorageError(ErrorKind.OTHER, f"{top}: {exc.strerror}") from None
        prefix = f"{directory}/" if directory else ""
        return {prefix + e.name: e.stat().st_size for e in entries if e.is_file()}


def _holdable(key: str) -> bool:
    """Whether a file can have this key as its path: no empty segment (`a//b`, `dir/`), and
    no `.` or `..` segment (`a/../b.ts`, from `a/..%2Fb.ts`), which S3 keeps as it is but the
    operating system would resolve, even above the root."""
    return not key or not {"", ".", ".."} & set(key.split("/"))
