"""A bucket whose listings come from its S3 Inventory instead of ListObjectsV2.

With `--inventory`, the title walk, each title's listing and every directory listing that
verification asks for are answered from the inventory, held as one sorted array of keys; the
audited bucket sees no LIST request. Reads (playlists) and HEADs still go to the bucket. A
key the inventory lacks is no proof of absence: the inventory is up to a day old, so, as with
any listing, verification asks each such key with one HEAD before it calls it missing. An
object deleted since the inventory was made is the one thing this mode cannot see; the
report says which inventory it trusted (`inventory-used`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from hlsinspect.storage.base import MAX_PLAYLIST_BYTES, Level, ObjectState, Storage
from hlsinspect.uri.keys import Reference


class Inventory:
    """The keys and sizes of one bucket, sorted, in two compact arrays."""

    def __init__(self, objects: Iterable[tuple[str, int]], created: str | None,
                 uri: str) -> None:
        pairs = sorted(objects)
        self.keys = [key for key, _ in pairs]
        self.sizes = array("q", (size for _, size in pairs))
        self.created = created
        self.uri = uri
        """The manifest it was read from, as the report names it."""

    def __len__(self) -> int:
        return len(self.keys)

    def under(self, prefix: str) -> Iterator[tuple[str, int]]:
        index = bisect_left(self.keys, prefix)
        while index < len(self.keys) and self.keys[index].startswith(prefix):
            yield self.keys[index], self.sizes[index]
            index += 1

    def level(self, prefix: str) -> Level:
        """Objects directly under `prefix`, and the `/`-ended prefixes one level down; a whole
        sub-prefix is skipped with one bisection, as S3 skips it."""
        level = Level()
        index = bisect_left(self.keys, prefix)
        while index < len(self.keys) and self.keys[index].startswith(prefix):
            key = self.keys[index]
            slash = key.find("/", len(prefix))
            if slash < 0:
                level.files[key] = self.sizes[index]
                index += 1
                continue
            sub = key[:slash + 1]
            level.prefixes.append(sub)
            index = bisect_left(self.keys, key[:slash] + "0")  # "0" follows "/"
        return level


class InventoriedStorage:
    """`own` for reads and HEADs; `inventory` for every listing."""

    def __init__(self, own: Storage, inventory: Inventory) -> None:
        self.own = own
        self.inventory = inventory

    @property
    def bucket(self) -> str | None:
        return self.own.bucket

    def uri(self, key: str) -> str:
        return self.own.uri(key)

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        return self.own.resolve(playlist_key, uri)

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        return self.own.read(key, limit)

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        return self.own.read_range(key, offset, length)

    def stat(self, key: str) -> ObjectState:
        return self.own.stat(key)

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        return self.inventory.under(prefix)

    def list_level(self, prefix: str) -> Level:
        return self.inventory.level(prefix)

    def list_directory(self, directory: str) -> dict[str, int]:
        return self.inventory.level(f"{directory}/" if directory else "").files


Loader = Callable[[str], Inventory]
"""The audited bucket's name -> its inventory (read once, when first needed)."""
