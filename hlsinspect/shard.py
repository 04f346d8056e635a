"""`--shard K/N`: which worker a title belongs to.

Its own module, apart from the other settings, because the process that lists titles
(`pipeline.apart`) needs it and nothing of the rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hlsinspect.errors import UsageError


@dataclass(frozen=True)
class Shard:
    """Worker `index` of `count` (1-based, as `--shard K/N` is written).

    A title belongs to the shard its key's hash falls in: the same title always lands in the
    same shard, on any machine, whatever else the bucket holds, so N workers given 1/N ... N/N
    cover every title exactly once.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        left, slash, right = text.partition("/")
        if slash and left.strip().isdigit() and right.strip().isdigit():
            shard = cls(int(left), int(right))
            if 1 <= shard.index <= shard.count:
                return shard
        raise UsageError(f"--shard {text!r} is not K/N with 1 <= K <= N",
                         hint="for example --shard 1/4 ... --shard 4/4 on four workers")

    def owns(self, title_key: str) -> bool:
        """Whether the title whose root is `title_key` (a prefix or a playlist key) is ours."""
        digest = hashlib.sha256(title_key.encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    @property
    def pair(self) -> tuple[int, int]:
        """(K, N), as the report carries it."""
        return self.index, self.count

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
