"""The local file system as a store: the zero-setup default, and the same checks as S3.

A key maps to the file at the same path under the root. The key rules are S3's (see
`storage.keys`), so a copy of a bucket checks like the bucket: a key with an empty segment
(`a//b.ts`, `dir/`), or with a `.` or `..` segment (`a/../b.ts`, from `a/..%2Fb.ts`), is a
distinct S3 key that no file can hold, so it does not exist here, although the operating
system would happily open `a/b.ts` (or `b.ts`, even above the root) for it.

Nothing outside the root is ever opened: a key whose REAL location (symbolic links resolved)
lies outside the root's is refused when it is resolved (uri-escapes-root) and by every read,
stat and listing; links that stay inside the root are followed, as real outputs use them.
Only regular files are opened, without blocking, and checked again on the open descriptor,
so a FIFO, a device or a socket is never read (object-not-regular when a URI names one). A
directory reached again through a link that leads back up (`l -> .`) gives its files the key
they have without that link, so a chain of such links cannot make one file endless keys.
A key's characters are never path syntax: a segment holding the platform's separator (`\\`
on Windows) or a drive's colon names no file.
"""

from __future__ import annotations

import errno
import os
import stat as mode
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
        self.real_root = os.path.realpath(self.root)
        self._directories: dict[str, tuple[str, str]] = {}
        """Per directory key: its real path, and the key it has without a looping link."""
        self._odd: dict[str, frozenset[str]] = {}

    def path(self, key: str) -> str:
        """The file's path, written as the key is (`a//b.ts` is not folded, so reports show
        the key that was asked for; a key no file can hold is never joined as a path)."""
        return os.path.join(self.root, *key.split("/")) if _holdable(key) else (
            self.root + os.sep + key.replace("/", os.sep))

    def inside(self, real: str) -> bool:
        """Whether a real (link-free) path lies in the root's real location."""
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def uri(self, key: str) -> str:
        # undecodable file names (surrogate escapes) are shown, never allowed to break output
        return self.path(key).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        """The key; or uri-escapes-root when the file it names is really outside the root (a
        symbolic link out of it: the `invalid` text says where it leads), object-not-regular
        (`refused`) when it is a FIFO, a device or a socket."""
        where = relative(playlist_key, uri)
        if where.key is None or not _holdable(where.key):
            return where
        directory, _, name = where.key.rpartition("/")
        real, canonical = self._directory(directory)
        if not self.inside(real):
            return Reference(escapes=True, invalid=f"its directory is a link to {real}, "
                                                   "outside the root")
        if name in self._unusual(real):
            try:
                result = self._settled(where.key)[1]
            except _Outside as exc:
                return Reference(escapes=True, invalid=f"it is a link to {exc.real}, outside "
                                                       "the root")
            except (OSError, ValueError):
                return where  # a dangling link: missing, as stat will find
            if not (mode.S_ISREG(result.st_mode) or mode.S_ISDIR(result.st_mode)):
                return Reference(refused=_kind(result.st_mode))
        key = f"{canonical}/{name}" if canonical else name
        return where if key == where.key else Reference(key=key)

    def _unusual(self, real: str) -> frozenset[str]:
        """The names in a real directory that are links or neither files nor directories (a
        FIFO, a device, a socket), from one listing of it; those made after it are still
        refused when they are stat'ed or read."""
        known = self._odd.get(real)
        if known is None:
            try:
                with os.scandir(real) as entries:
                    known = frozenset(e.name for e in entries if e.is_symlink() or not (
                        e.is_file(follow_symlinks=False) or e.is_dir(follow_symlinks=False)))
            except (OSError, ValueError):
                known = frozenset()
            self._odd[real] = known
        return known

    def _directory(self, directory: str) -> tuple[str, str]:
        """A directory key's real path, and its key without looping links: a link that leads
        back to a directory the key went through already (`l1/l2` with `l1 -> .` is ``)."""
        known = self._directories.get(directory)
        if known is not None:
            return known
        if not directory:
            return self.real_root, ""
        parent, _, name = directory.rpartition("/")
        above, canonical = self._directory(parent)
        real = os.path.realpath(os.path.join(above, name))
        if self.inside(real) and self._passed(canonical, real):
            found = (real, _relative_key(real, self.real_root))
        else:
            found = (real, f"{canonical}/{name}" if canonical else name)
        self._directories[directory] = found
        return found

    def _passed(self, directory: str, real: str) -> bool:
        """Whether `real` is the real path of `directory` or of a directory above it."""
        while True:
            if self._directory(directory)[0] == real:
                return True
            if not directory:
                return False
            directory = directory.rpartition("/")[0]

    def _settled(self, key: str) -> tuple[str, os.stat_result]:
        """The real path of the key's file and its state, without opening it: its directory's
        real path (kept per directory) and its name, the name resolved when it is a link.
        _Outside when that leads out of the root; OSError when there is no such file."""
        directory, _, name = key.rpartition("/")
        real = self._directory(directory)[0]
        if not self.inside(real):
            raise _Outside(real)
        path = os.path.join(real, name)
        result = os.lstat(path)
        if mode.S_ISLNK(result.st_mode):
            path = os.path.realpath(path)
            if not self.inside(path):
                raise _Outside(path)
            result = os.stat(path)
        return path, result

    def _open(self, key: str) -> tuple[int, int]:
        """A descriptor of the regular file the key names, and its size; StorageError when
        the file is missing, outside the root or not a regular file, before it is opened."""
        path = self.path(key)
        if not _holdable(key):
            raise StorageError(ErrorKind.NOT_FOUND, f"{path} does not exist (no file can have "
                               "an empty, . or .. segment, or path syntax, in its name)")
        try:
            real, result = self._settled(key)
            _regular(path, result.st_mode)
            handle = os.open(real, os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _BINARY)
        except _Outside as exc:
            raise StorageError(ErrorKind.ACCESS_DENIED, f"{path} leads to {exc.real}, outside "
                               "the root: not read") from None
        except (FileNotFoundError, NotADirectoryError):
            raise StorageError(ErrorKind.NOT_FOUND, f"{path} does not exist") from None
        except PermissionError:
            raise StorageError(ErrorKind.ACCESS_DENIED, f"{path}: permission denied") from None
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            raise StorageError(ErrorKind.OTHER, f"{path}: {exc}") from None
        try:
            result = os.fstat(handle)  # what was opened, should the path have changed since
            _regular(path, result.st_mode)
            opened = _opened_path(handle)
            if opened is not None and not self.inside(opened):
                raise StorageError(ErrorKind.ACCESS_DENIED, f"{path} leads to {opened}, "
                                   "outside the root: not read")
        except BaseException:
            os.close(handle)
            raise
        return handle, result.st_size

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        path = self.path(key)
        handle, size = self._open(key)
        with os.fdopen(handle, "rb") as stream:
            if size > limit:
                raise StorageError(ErrorKind.TOO_LARGE, f"{path} is {size} bytes, larger than "
                                   f"a playlist can be ({limit // 2**20} MiB)",
                                   "is this really a playlist? hlsinspect reads playlists whole")
            try:
                data = stream.read(limit + 1)
            except OSError as exc:
                raise StorageError(ErrorKind.OTHER, f"{path}: {exc}") from None
        if len(data) > limit:
            raise StorageError(ErrorKind.TOO_LARGE,
                               f"{path} is larger than a playlist can be ({limit // 2**20} MiB)")
        return data

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        path = self.path(key)
        handle, _ = self._open(key)
        with os.fdopen(handle, "rb") as stream:
            try:
                stream.seek(offset)
                return stream.read(length)
            except OSError as exc:
                raise StorageError(ErrorKind.OTHER, f"{path}: {exc}") from None

    def stat(self, key: str) -> ObjectState:
        if not _holdable(key):
            return ObjectState(Existence.MISSING, reason="no file can have that name")
        try:
            result = self._settled(key)[1]
        except _Outside:
            return ObjectState(Existence.UNKNOWN, reason="a link out of the root: not read")
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
        if not mode.S_ISREG(result.st_mode):
            return ObjectState(Existence.MISSING, reason=f"{_kind(result.st_mode)}, not a "
                                                         "regular file")
        return ObjectState(Existence.PRESENT, size=result.st_size)

    def _listable(self, real: str, name: str) -> int | None:
        """The size of the file `name` in the real directory `real`, or None when it is no
        regular file inside the root (a link out of it, a FIFO, a device): a listing never
        shows those."""
        if not self.inside(real):
            return None
        path = os.path.join(real, name)
        try:
            result = os.lstat(path)
            if mode.S_ISLNK(result.st_mode):
                path = os.path.realpath(path)
                if not self.inside(path):
                    return None
                result = os.stat(path)
        except (OSError, ValueError):
            return None
        return result.st_size if mode.S_ISREG(result.st_mode) else None

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        top = self.path(prefix.rstrip("/"))
        if not _holdable(prefix.rstrip("/")) or not os.path.isdir(top):
            raise StorageError(ErrorKind.NOT_FOUND, f"{top} is not a directory")
        seen: set[str] = set()
        for directory, subdirs, files in os.walk(top, followlinks=True):
            real = os.path.realpath(directory)
            if real in seen or not self.inside(real):  # a link loop, or a link out of the root
                subdirs.clear()
                continue
            seen.add(real)
            subdirs.sort()
            for name in sorted(files):
                size = self._listable(real, name)
                if size is not None:
                    full = os.path.join(directory, name)
                    yield os.path.relpath(full, self.root).replace(os.sep, "/"), size

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
                    size = self._listable(here, entry.name)
                    if size is not None:
                        level.files[base + entry.name] = size
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
        real = self._directory(directory)[0]
        sizes: dict[str, int] = {}
        for entry in entries:
            try:
                if not entry.is_file():
                    continue
            except OSError:
                continue  # a link that loops: left out, so stat() asks it and names the error
            size = self._listable(real, entry.name)
            if size is not None:
                sizes[prefix + entry.name] = size
        return sizes


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""Opening a FIFO must not wait for a writer (it is refused once opened, never read)."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""The real path is opened: a link that appears there since is refused, not followed."""
_BINARY = getattr(os, "O_BINARY", 0)

_NOT_IN_A_NAME = "".join(dict.fromkeys(c for c in (os.sep, os.altsep or "/") if c != "/"))
"""What the platform's paths read as a separator (`\\` on Windows): plain characters of a
key, which no file name can hold here."""


def _holdable(key: str, separators: str = _NOT_IN_A_NAME, drives: bool = os.name == "nt"
              ) -> bool:
    """Whether a file can have this key as its path: no empty, `.` or `..` segment (`a//b`,
    `dir/`, `a/../b`: distinct S3 keys that the operating system would fold or resolve), and
    no character the platform's paths read as syntax (a backslash, a UNC prefix or a drive's
    colon on Windows), so a key can never name a path outside the root."""
    if not key:
        return True
    if any(c in key for c in separators) or (drives and ":" in key):
        return False
    return not {"", ".", ".."} & set(key.split("/"))


class _Outside(Exception):
    """A key's file really lies outside the root, at `real`."""

    def __init__(self, real: str) -> None:
        super().__init__(real)
        self.real = real


def _relative_key(real: str, real_root: str) -> str:
    """The key of a real directory inside the root."""
    relative_path = os.path.relpath(real, real_root)
    return "" if relative_path == os.curdir else relative_path.replace(os.sep, "/")


def _kind(st_mode: int) -> str:
    """What a file that is not a regular file is, for messages."""
    for test, what in ((mode.S_ISDIR, "a directory"), (mode.S_ISFIFO, "a FIFO"),
                       (mode.S_ISCHR, "a character device"), (mode.S_ISBLK, "a block device"),
                       (mode.S_ISSOCK, "a socket")):
        if test(st_mode):
            return what
    return "not a file"


def _opened_path(handle: int) -> str | None:
    """Where the file open on `handle` really is, as the kernel says (Linux: a directory
    swapped for a link between the check and the open shows here); None where unknown."""
    try:
        opened = os.readlink(f"/proc/self/fd/{handle}")
    except OSError:
        return None
    return opened if opened.startswith(os.sep) else None


def _regular(path: str, st_mode: int) -> None:
    """StorageError unless `st_mode` is a regular file's: nothing else is ever read."""
    if not mode.S_ISREG(st_mode):
        raise StorageError(ErrorKind.OTHER, f"{path} is {_kind(st_mode)}, not a regular "
                           "file: not read")
