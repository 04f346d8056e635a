"""Text from keys made visible: control characters escaped, CI commands made inert, before
any text output shows them.

A key, a file name, a URI or an origin's reason phrase is data someone else chose, and it
reaches every renderer and error line: a newline in it would forge a line of the table or a
second GitHub workflow command, an ESC or a BEL would send the terminal an ANSI or OSC
sequence, a bidi override would show text in another order than it is, and XML 1.0 cannot
hold C0 controls, U+FFFE/FFFF or the lone surrogates that stand for undecodable bytes. Every
text renderer (table, --quiet, github, markdown, JUnit) draws a copy of the report made by
`visible_report`, and the CLI's error lines pass through `visible`, in which each such
character is written as Python writes it in a string literal (`\\n`, `\\x1b`, `\\u202e`).

CI runners also read commands in the log itself. GitHub's runner takes a line that starts
with `::` (after blanks) as a workflow command, and `##[` anywhere in a line as an old-style
one (`##[set-output ...]`, `##[add-mask]`); Azure Pipelines takes `##vso[`. So `visible`
writes the second `#` of `##[` and `##vso[` as `\\x23`. A `::` cannot be escaped that way
in the text alone, since wrapping decides which text starts a line (a table cell's folded
continuation, a message's second line, two values joined with `:`), and `::` is common in
honest text (IPv6 addresses); so `inert_lines` looks at the lines as written, and writes the
second colon of a `::` that starts one as `\\x3a`. The table, markdown and stderr go through
it; hlsinspect writes no such line of its own there.

The JSON formats need none of the escaping of characters: JSON escapes them itself and
keeps the data exact. `inert_json` still writes the `#` of `##[` as `\\u0023`, which any
JSON reader decodes back, so a JSON document printed in a CI log carries no command either.
"""

from __future__ import annotations

import re
from typing import TypeVar

from hlsinspect.report import with_texts

T = TypeVar("T")

_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                        "\ud800-\udfff\ufffe\uffff]|(?<=#)#(?=\\[|(?i:vso)\\[)")
"""Controls (C0, DEL, C1), bidi marks and overrides, line and paragraph separators, lone
surrogates, non-characters; and the second `#` of a runner command's `##[` or `##vso[`."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_COMMAND_LINE = re.compile(r"^((?:\s|\x1b\[[0-9;]*m)*:):", re.MULTILINE)
"""A line that starts with `::` once blanks and colour escapes are skipped."""


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"


def visible(text: str) -> str:
    """`text` with control characters, bidi controls, line separators, U+FFFE/FFFF and lone
    surrogates escaped (`\\n`, `\\x1b`, `\\u202e`, `\\udcff`) and the `##[` of a runner
    command written `#\\x23[`; other text, Unicode included, as is."""
    return _INVISIBLE.sub(_escape, text) if _INVISIBLE.search(text) else text


def inert_lines(text: str) -> str:
    """`text` (whole lines, as written) in which no line starts with `::`: its second colon
    is written `\\x3a`, so no CI runner takes the line for a workflow command."""
    return _COMMAND_LINE.sub(r"\1\\x3a", text) if "::" in text else text


def visible_text(text: str) -> str:
    """A whole text (a playlist printed by `show`) as `visible` and `inert_lines` make
    each of its lines: line breaks (LF, or CR LF) kept as they are, everything else that a
    terminal or a CI runner would act on escaped. A clean playlist comes back unchanged."""
    lines = []
    for line in text.split("\n"):
        core, cr = (line[:-1], "\r") if line.endswith("\r") else (line, "")
        lines.append(visible(core) + cr)
    return inert_lines("\n".join(lines))


def inert_json(encoded: str) -> str:
    """JSON text with the `##[` and `##vso[` of runner commands written `#\\u0023[`: the
    same data to a JSON reader, no command to a CI log."""
    return _RUNNER_COMMAND.sub(r"\\u0023", encoded) if "##" in encoded else encoded


_RUNNER_COMMAND = re.compile(r"(?<=#)#(?=\[|(?i:vso)\[)")


def visible_report(report: T) -> T:
    """A copy of `report` (any of the report's dataclasses) with every string `visible`;
    the report itself when no string needed escaping."""
    return with_texts(report, visible)
