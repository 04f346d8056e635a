"""No rule crashes, whatever the playlist: mutated valid playlists through every rule.

A rule that raises becomes an internal-error finding (the report survives), but that is a bug
and a false alarm. Starting from the fixtures and the rules' own examples, lines are dropped,
repeated, swapped and rewritten (attribute values, numbers, quotes) and the result is read and
checked by every rule of every scope that needs no store, in both profiles.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlsinspect.checks.apply import apply
from hlsinspect.checks.context import Member, PlaylistContext, TitleContext
from hlsinspect.checks.registry import Selection, by_code
from hlsinspect.playlists import ParseFailure, parse
from hlsinspect.references import object_refs, place, playlist_refs
from tests.conftest import FIXTURES

SEEDS = sorted({p.read_text() for p in FIXTURES.rglob("*.m3u8")} | {
    content for rule in by_code() for example in (*rule.passing, *rule.failing)
    for name, content in example.files.items()
    if name.endswith(".m3u8") and isinstance(content, str)})
PIECES = ["", "0", "-1", "1.5", "abc", '"x"', '""', "0x", "0xZZ", "YES", "NO", "NONE", "1x1",
          "=", ",", '"', "{$v}", "18446744073709551616", "nan", "1e400", "2026-13-40T99:00:00Z",
          "0001-01-01T00:00:00.000+01:00", "99999999999999999999.0", "\t"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "swap", "value", "cut"]))
        line = lines[index]
        if action == "drop":
            del lines[index]
        elif action == "repeat":
            lines.insert(index, line)
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        elif action == "cut":
            lines[index] = line[:draw(st.integers(0, len(line)))]
        else:  # rewrite a value: after ':' or '=' or ','
            marks = [i for i, c in enumerate(line) if c in ":=,@"]
            if marks:
                at = draw(st.sampled_from(marks)) + 1
                end = at + draw(st.integers(0, 12))
                lines[index] = line[:at] + draw(st.sampled_from(PIECES)) + line[end:]
    return "\n".join(lines)


def _check_all(text: str, profile: str) -> None:
    try:
        playlist = parse("t/index.m3u8", text.encode())
    except ParseFailure:
        return
    selection = Selection(profile)  # type: ignore[arg-type]
    context = PlaylistContext(playlist, "t/index.m3u8", profile=profile)
    found = apply("line", context, selection, "t", raise_errors=True)
    found += apply("multivariant" if playlist.is_multivariant else "media", context, selection,
                   "t", raise_errors=True)
    place([(ref, ref.uri) for ref in object_refs(playlist)])
    if playlist.is_multivariant:
        members = [Member(ref.role, ref.uri, ref.tag, playlist if n % 2 else None)
                   for n, ref in enumerate(playlist_refs(playlist))]
        apply("title", TitleContext(context, members), selection, "t", raise_errors=True)
    for finding in found:
        assert finding.message and finding.code.startswith("HLS")


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(["rfc", "apple"]))
def test_no_rule_crashes_on_mutated_playlists(text: str, profile: str):
    _check_all(text, profile)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list("#EXT-:=,\"@x0123456789.AZ\n ")), max_size=200),
       st.sampled_from(["rfc", "apple"]))
def test_no_rule_crashes_on_noise(text: str, profile: str):
    _check_all("#EXTM3U\n" + text, profile)
