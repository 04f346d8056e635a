"""How the help and the typo hints read: `TARGET...`, and the one command a typo meant.

typer writes a repeatable argument as `{TARGET}...` in the usage line and `TARGET
<list[str]>` in the argument list, Python's type where the user wants the shape of what to
type; and for a mistyped command it lists every command within difflib's default cutoff, in
no useful order. Both are mended here, once for every command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from typing import Any

from typer.core import TyperArgument


class PlainArgument(TyperArgument):
    """An argument shown as its metavar alone: `TARGET...` when it repeats, `TARGET` else."""

    def _shown(self) -> str:
        name = self.metavar if self.metavar is not None else str(self.name)
        return name + ("..." if self.nargs != 1 else "")

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        return [self._shown() if self.required else f"[{self._shown()}]"]

    def get_help_record(self, ctx: Any) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        return self._shown(), record[1]


def plain_arguments(commands: Mapping[str, Any]) -> None:
    """Show every command's arguments as PlainArgument does (same fields, another class)."""
    for command in commands.values():
        for param in command.params:
            if type(param) is TyperArgument:
                param.__class__ = PlainArgument


def closest(typo: str, names: Iterable[str]) -> str | None:
    """The command `typo` most likely meant: the best match, a shared start breaking ties;
    None when nothing is close (so a hint never suggests something unrelated)."""
    def score(name: str) -> tuple[float, int]:
        ratio = SequenceMatcher(None, typo.lower(), name).ratio()
        shared = next((i for i, (a, b) in enumerate(zip(typo.lower(), name, strict=False))
                       if a != b), min(len(typo), len(name)))
        return ratio, shared

    ranked = sorted(names, key=score, reverse=True)
    if not ranked:
        return None
    ratio, shared = score(ranked[0])
    return ranked[0] if ratio >= 0.5 or shared >= 2 else None
