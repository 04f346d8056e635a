"""A bit reader for the parameter sets (SPS) of H.264 and H.265: fixed and Exp-Golomb codes.

Reading past the end raises MediaError, so a cut or damaged parameter set is a finding.
"""

from __future__ import annotations

import struct


class MediaError(ValueError):
    """The bytes are not the media they claim to be, or are cut short."""


DAMAGE = (MediaError, IndexError, ValueError, KeyError, OverflowError, struct.error)
"""What parsing damaged bytes may raise: each is a finding about the bytes, never a crash."""


class BitReader:
    """Bits of `data`, most significant first."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "big")
        self.size = len(data) * 8
        self.position = 0

    def bits(self, count: int) -> int:
        if count == 0:
            return 0
        if self.position + count > self.size:
            raise MediaError("parameter set cut short")
        self.position += count
        return (self.value >> (self.size - self.position)) & ((1 << count) - 1)

    def flag(self) -> bool:
        return self.bits(1) == 1

    def skip(self, count: int) -> None:
        self.bits(count) if count <= 64 else [self.bits(1) for _ in range(count)]

    def ue(self) -> int:
        """An unsigned Exp-Golomb code (ue(v)); more than 31 leading zeros is damage."""
        zeros = 0
        while not self.flag():
            zeros += 1
            if zeros > 31:
                raise MediaError("invalid Exp-Golomb code in a parameter set")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        """A signed Exp-Golomb code (se(v))."""
        code = self.ue()
        return (code + 1) // 2 if code % 2 else -(code // 2)
