"""--map in front of the resolvers: one store that sends each mapped URI to its target store.

Discovery, inspection and verification see one store per target, so a URI mapped elsewhere
needs a key in that one store's namespace. Keys of the target's own store are used as they
are; a key of another store (a second bucket, an origin, a directory) is written
`FOREIGN + "N/" + key`, N being that store's number here. No store's own key begins with
FOREIGN (NUL), so the two never meet, and `key.rpartition("/")` still yields a directory of
the same store, as listings need.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hlsinspect.locations import UriMap, absolute_reference
from hlsinspect.storage.base import (
    FOREIGN,
    MAX_PLAYLIST_BYTES,
    Level,
    ObjectState,
    Storage,
    read_from,
)
from hlsinspect.uri.keys import Reference


@dataclass(frozen=True)
class Route:
    """Where the URIs under one --map prefix go: store number `member`, under `base`."""

    map: UriMap
    member: int
    """0 is the target's own store."""
    base: str
    """Percent-encoded path in that store: "" or ending in "/"."""

    def reference(self, rest: str) -> str:
        """An absolute-path reference that names `rest` (below the prefix) in the store."""
        return absolute_reference(self.base, rest)


class MappedStorage:
    """The target's store (member 0) and the stores --map sends URIs to."""

    def __init__(self, own: Storage, others: Sequence[Storage], routes: Sequence[Route]) -> None:
        self.members: list[Storage] = [own, *others]
        self.routes = list(routes)

    @property
    def bucket(self) -> str | None:
        return self.members[0].bucket

    def _split(self, key: str) -> tuple[Storage, int, str]:
        if not key.startswith(FOREIGN):
            return self.members[0], 0, key
        number, _, inner = key[len(FOREIGN):].partition("/")
        return self.members[int(number)], int(number), inner

    @staticmethod
    def _join(member: int, key: str) -> str:
        return key if member == 0 else f"{FOREIGN}{member}/{key}"

    def uri(self, key: str) -> str:
        store, _, inner = self._split(key)
        return store.uri(inner)

    def location(self, key: str) -> str:
        """Where the member store read the playlist at `key` from (see `read_from`)."""
        store, _, inner = self._split(key)
        return read_from(store, inner)

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        for route in self.routes:
            rest = route.map.below(uri)
            if rest is not None:
                where = self.members[route.member].resolve("", route.reference(rest))
                return self._tagged(route.member, where)
        store, member, inner = self._split(playlist_key)
        return self._tagged(member, store.resolve(inner, uri))

    def _tagged(self, member: int, where: Reference) -> Reference:
        if where.key is None or member == 0:
            return where
        return Reference(key=self._join(member, where.key))

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        store, _, inner = self._split(key)
        return store.read(inner, limit)

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        store, _, inner = self._split(key)
        return store.read_range(inner, offset, length)

    def stat(self, key: str) -> ObjectState:
        store, _, inner = self._split(key)
        return store.stat(inner)

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        store, member, inner = self._split(prefix)
        for key, size in store.list_keys(inner):
            yield self._join(member, key), size

    def list_level(self, prefix: str) -> Level:
        store, member, inner = self._split(prefix)
        level = store.list_level(inner)
        return Level({self._join(member, key): size for key, size in level.files.items()},
                     [self._join(member, sub) for sub in level.prefixes])

    def list_directory(self, directory: str) -> dict[str, int]:
        store, member, inner = self._split(directory)
        return {self._join(member, key): size
                for key, size in store.list_directory(inner).items()}
