"""Rules comparing what a variant declares (CODECS, RESOLUTION) with what --probe found in
its segments: the sample entries and parameter sets (SPS, avcC, hvcC, AudioSpecificConfig).

A player picks variants by CODECS and refuses one naming a codec it lacks; a CODECS string
that names HEVC for an H.264 stream hides a playable variant, or offers one that is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from hlsinspect.checks.probe_examples import variant
from hlsinspect.checks.probed import ProbeContext, named
from hlsinspect.checks.registry import ERROR, WARNING, Issue, rule
from hlsinspect.syntax.attributes import as_resolution
from hlsinspect.syntax.lines import Tag

FAMILIES = {"avc1": "H.264", "avc3": "H.264", "hvc1": "H.265", "hev1": "H.265",
            "mp4a.40": "AAC", "ac-3": "AC-3", "ac3": "AC-3", "ec-3": "E-AC-3", "ec3": "E-AC-3",
            "mp4a.69": "MP3", "mp4a.6b": "MP3", "mp4a.40.34": "MP3", "mp3": "MP3",
            "wvtt": "WebVTT", "stpp": "IMSC"}


def family(codec: str) -> str:
    """What a codec string names, ignoring profile and level (avc1.64001F -> H.264)."""
    name = codec.strip().lower()
    for prefix in sorted(FAMILIES, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            return FAMILIES[prefix]
    return name.split(".")[0]


def detail(codec: str) -> tuple[str, ...]:
    """The parts of a codec string that must match: profile and level (H.264: profile_idc
    and level_idc, not the constraint flags), the object type of AAC."""
    name = codec.strip().lower()
    parts = name.split(".")
    if family(name) == "H.264" and len(parts) > 1 and len(parts[1]) == 6:
        return parts[1][:2], parts[1][4:]
    if family(name) == "H.265" and len(parts) > 3:
        return parts[1], parts[3]
    if family(name) == "AAC" and len(parts) > 2:
        return (parts[2],)
    return ()


CARRIED = {"H.264", "H.265", "AAC", "AC-3", "E-AC-3", "MP3"}
"""The codecs a probe recognises wherever they are: only these can be missed for certain."""
AUDIO = {"AAC", "AC-3", "E-AC-3", "MP3"}


def _declared(tag: Tag) -> list[str]:
    return [c.strip() for c in (tag.attr("CODECS") or "").split(",") if c.strip()]


def _of(ctx: ProbeContext) -> str:
    """The media playlist as its multivariant playlist names it (the finding has its URI)."""
    return named(ctx.playlist.uri, ctx.probe.master)


@rule("HLS806", "codecs-mismatch", ERROR, scope="probe", reference="RFC 8216 4.3.4.2",
      hint="write CODECS from the encoded streams (ffprobe, or hlsinspect's probe JSON)",
      passing=[variant("avc1.4d401e,mp4a.40.2")],
      failing=[variant("hvc1.1.6.L30.90,mp4a.40.2"), variant("avc1.4d401e")])
def codecs_mismatch(ctx: ProbeContext) -> Iterator[Issue]:
    """A variant's CODECS does not name a codec its segments, or those of the audio
    renditions it plays, carry (HEVC declared for an H.264 stream, a missing audio codec)."""
    found = list(dict.fromkeys(c for _, f in ctx.measured() for c in f.codecs))
    for tag in ctx.probe.variants:
        declared = _declared(tag)
        if not declared:
            continue  # codecs-missing says so
        names = {family(c) for c in declared}
        for codec in found:
            if family(codec) not in names:
                yield Issue(f"CODECS \"{','.join(declared)}\" names no {family(codec)}, which "
                            f"the segments of {_of(ctx)} carry ({codec})",
                            line=tag.line, playlist=ctx.probe.master, uri=ctx.playlist.uri,
                            observed=",".join(found), expected=",".join(declared))


@rule("HLS812", "codecs-not-carried", ERROR, scope="probe", reference="RFC 8216 4.3.4.2",
      hint="name in CODECS only what the variant and its audio renditions carry, or add the "
           "stream that is missing",
      passing=[variant("avc1.4d401e,mp4a.40.2")],
      failing=[variant("avc1.4d401e,mp4a.40.2,ec-3"), variant("hvc1.1.6.L30.90,avc1.4d401e,"
                                                               "mp4a.40.2")])
def codecs_not_carried(ctx: ProbeContext) -> Iterator[Issue]:
    """A variant's CODECS names a codec that neither its segments nor the audio renditions
    of its group carry (a video-only output declared with AAC, a dropped audio track). Only
    the codecs the probe recognises are held to it, and an audio codec only when every
    rendition of the group could be read."""
    own = [f for _, f in ctx.measured()]
    if not own:
        return
    mine = {family(c) for f in own for c in f.codecs}
    for tag, renditions in ctx.probe.plays:
        carried, sure = set(mine), True
        for rendition in renditions:
            read = rendition.measured()
            sure &= bool(read)
            carried |= {family(c) for _, f in read for c in f.codecs}
        declared = _declared(tag)
        # a codec carried but not named is codecs-mismatch: the named one of its kind (HEVC
        # for H.264, AC-3 for AAC) is the same mistake, reported once
        swapped = {name in AUDIO for name in carried & CARRIED
                   if name not in {family(c) for c in declared}}
        for codec in declared:
            name = family(codec)
            if name not in CARRIED or name in carried or (name in AUDIO and not sure) \
                    or (name in AUDIO) in swapped:
                continue
            yield Issue(f"CODECS names {codec} ({name}), which neither the segments of "
                        f"{_of(ctx)} nor the audio renditions they play carry "
                        f"(found: {', '.join(sorted(carried)) or 'nothing'})",
                        line=tag.line, playlist=ctx.probe.master, uri=ctx.playlist.uri,
                        observed=",".join(sorted(carried)), expected=codec)


@rule("HLS807", "codecs-profile-mismatch", WARNING, scope="probe",
      reference="RFC 8216 4.3.4.2",
      hint="write the profile and level the encoder used; players choose variants by them",
      passing=[variant("avc1.4d401e,mp4a.40.2"), variant("avc1.4d001e,mp4a.40.2")],
      failing=[variant("avc1.4d4028,mp4a.40.2"), variant("avc1.4d401e,mp4a.40.5")])
def codecs_profile_mismatch(ctx: ProbeContext) -> Iterator[Issue]:
    """A variant's CODECS names the right codec with another profile or level than its
    stream's parameter sets."""
    found = list(dict.fromkeys(c for _, f in ctx.measured() for c in f.codecs))
    for tag in ctx.probe.variants:
        declared = _declared(tag)
        for codec in found:
            same = [c for c in declared if family(c) == family(codec)]
            if same and detail(codec) and all(detail(c) and detail(c) != detail(codec)
                                              for c in same):
                yield Issue(f"CODECS names {', '.join(same)}, the segments of "
                            f"{_of(ctx)} carry {codec}", line=tag.line,
                            playlist=ctx.probe.master, uri=ctx.playlist.uri,
                            observed=codec, expected=",".join(same))


@rule("HLS808", "resolution-mismatch", ERROR, scope="probe", reference="RFC 8216 4.3.4.2",
      hint="write RESOLUTION as the displayed size (the SPS size less its cropping)",
      passing=[variant("avc1.4d401e,mp4a.40.2")],
      failing=[variant("avc1.4d401e,mp4a.40.2", "320x180")])
def resolution_mismatch(ctx: ProbeContext) -> Iterator[Issue]:
    """A variant's RESOLUTION differs from the picture size its SPS gives."""
    found = next((f.resolution for _, f in ctx.measured() if f.resolution), None)
    if found is None:
        return
    for tag in ctx.probe.variants:
        declared = as_resolution(tag.attr("RESOLUTION"))
        if declared is not None and tuple(declared) != found:
            yield Issue(f"RESOLUTION={declared[0]}x{declared[1]}, but the segments of "
                        f"{_of(ctx)} are {found[0]}x{found[1]}", line=tag.line,
                        playlist=ctx.probe.master, uri=ctx.playlist.uri,
                        observed=f"{found[0]}x{found[1]}",
                        expected=f"{declared[0]}x{declared[1]}")
