"""hlsinspect reads playlists with its own RFC 8216 line reader; on valid playlists it must
read exactly what the m3u8 library reads.

The reader exists because a validator has to see what m3u8 forgives or drops (duplicates,
unknown tags matched by prefix, stray URI lines, bare exceptions without lines). Where a
playlist is valid there is nothing to forgive, so both must agree on every segment, key,
init section, variant and rendition: m3u8 serves as the reference implementation here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import m3u8
import pytest

from hlsinspect.checks.registry import by_code
from hlsinspect.playlists import parse
from hlsinspect.syntax.attributes import as_int, as_resolution
from tests.conftest import FIXTURES


def _corpus() -> list[Any]:
    cases = [pytest.param(path.read_text(), id=str(path.relative_to(FIXTURES)))
             for path in sorted(FIXTURES.rglob("*.m3u8"))]
    for rule in by_code():
        for number, example in enumerate(rule.passing):
            for name, content in example.files.items():
                if name.endswith(".m3u8") and isinstance(content, str):
                    cases.append(pytest.param(content, id=f"{rule.name}-{number}-{name}"))
    return cases


def _ours(text: str) -> dict[str, Any]:
    playlist = parse("x/index.m3u8", text.encode())
    if playlist.is_multivariant:
        structure = playlist.structure
        return {
            "variants": [(v.uri, as_int(v.tag.attr("BANDWIDTH")),
                          as_resolution(v.tag.attr("RESOLUTION")), v.tag.attr("CODECS"))
                         for v in structure.variants],
            "renditions": [(t.attr("TYPE"), t.attr("GROUP-ID"), t.attr("NAME"), t.attr("URI"))
                           for t in structure.renditions],
            "iframes": [v.uri for v in structure.iframes],
        }
    return {
        "segments": [(s.uri, s.duration, s.byterange.value if s.byterange else None,
                      s.discontinuity, s.map.attr("URI") if s.map else None,
                      sorted(str(k.attr("URI")) for k in s.keys))
                     for s in playlist.segments],
        "target": playlist.target_duration, "sequence": playlist.media_sequence,
        "endlist": playlist.endlist,
        "type": playlist.playlist_type.lower() if playlist.playlist_type else None,
    }


def _theirs(text: str, multivariant: bool) -> dict[str, Any]:
    model = m3u8.loads(text)
    if multivariant:
        return {
            "variants": [(v.uri, v.stream_info.bandwidth, v.stream_info.resolution,
                          v.stream_info.codecs) for v in model.playlists],
            "renditions": [(m.type, m.group_id, m.name, m.uri) for m in model.media],
            "iframes": [v.uri for v in model.iframe_playlists],
        }
    segments = []
    for s in model.segments:
        if not s.uri:
            continue  # m3u8 keeps the parts of an unfinished segment as a segment without URI
        keys = sorted(str(k.uri) for k in [s.key] if k is not None and k.method != "NONE")
        segments.append((s.uri, float(s.duration) if s.duration is not None else None,
                         s.byterange, s.discontinuity,
                         s.init_section.uri if s.init_section else None, keys))
    return {"segments": segments, "target": model.target_duration,
            "sequence": model.media_sequence or 0, "endlist": model.is_endlist,
            "type": model.playlist_type}


@pytest.mark.parametrize("text", _corpus())
def test_same_reading_as_m3u8(text: str):
    ours = _ours(text)
    try:
        theirs = _theirs(text, "variants" in ours)
    except Exception:
        pytest.skip("m3u8 cannot read this playlist")
    if "segments" in ours and any(len(s[5]) > 1 for s in ours["segments"]):
        pytest.skip("m3u8 keeps one key per segment; RFC 8216bis allows one per KEYFORMAT")
    assert ours == theirs


def test_where_m3u8_forgives_the_reader_does_not():
    """The cases that made the line reader necessary, each a finding now."""
    text = ("#EXTM3U\n#EXT-X-TARGETDURATION:4\nstray.ts\n#EXTINF:4,\na.ts\n"
            "#EXT-X-ENDLISTX\n")
    theirs = m3u8.loads(text)
    assert theirs.is_endlist and [s.uri for s in theirs.segments] == ["a.ts"]
    ours = parse("x.m3u8", text.encode())
    assert not ours.endlist
    assert [s.uri for s in ours.segments] == ["stray.ts", "a.ts"]
    assert ours.segments[0].extinf is None


def test_fixture_corpus_is_not_empty():
    assert len(list(Path(FIXTURES).rglob("*.m3u8"))) >= 10
