"""The JSON Schema (draft 2020-12) of the JSON report: what `hlsinspect schema` prints.

The promise (schema_version 1): members may be added within one schema_version; none is
renamed, retyped or removed without a new schema_version. So the published schema is open:
it allows members it does not list, and a reader validating against it keeps working when
a later release adds one. Every member is described; `closed` makes the strict variant
(every object `additionalProperties: false`) against which the tests validate real reports,
so a member added to `Report.to_dict()` without being added here fails them.
docs/report.schema.json is this document, written out; a test fails when the two differ.
"""

from __future__ import annotations

import json
from typing import Any

from hlsinspect.report import SCHEMA_VERSION

Schema = dict[str, Any]

SEVERITIES = ["error", "warning", "info"]


def _value(kind: str | list[str], description: str, **more: Any) -> Schema:
    return {"type": kind, "description": description, **more}


def _maybe(kind: str, description: str, **more: Any) -> Schema:
    """A member that is null when the fact is not known or does not apply."""
    return _value([kind, "null"], description, **more)


def _object(description: str, properties: dict[str, Schema], *optional: str) -> Schema:
    """An object, every member described, all required but `optional`; open to members a
    later release adds."""
    return {"type": "object", "description": description, "properties": properties,
            "required": [name for name in properties if name not in optional]}


def closed(schema: Any) -> Any:
    """A copy of `schema` with every object closed (`additionalProperties: false`): the
    strict variant that tells whether a report has members the schema does not describe."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: closed(value) for key, value in schema.items()}
    if copy.get("type") == "object" and "properties" in copy:
        copy["additionalProperties"] = False
    return copy


def _counts(description: str) -> Schema:
    return _object(description, {
        "checked": _value("integer", "Unique objects whose existence was checked.", minimum=0),
        "present": _value("integer", "Of those, objects that exist.", minimum=0),
        "missing": _value("integer", "Objects that do not exist (a 404, or absent from a "
                                     "complete listing).", minimum=0),
        "unknown": _value("integer", "Objects whose existence could not be established "
                                     "(403 without s3:ListBucket, throttling, timeouts).",
                          minimum=0),
    })


def _variant() -> Schema:
    return _object("One EXT-X-STREAM-INF or EXT-X-I-FRAME-STREAM-INF entry.", {
        "uri": _maybe("string", "The variant playlist's URI, resolved (s3://, http(s):// or an "
                                "absolute local path); null when the tag has none."),
        "line": _maybe("integer", "1-based line of the tag in the multivariant playlist.",
                       minimum=1),
        "bandwidth": _maybe("integer", "BANDWIDTH, bits per second.", minimum=0),
        "average_bandwidth": _maybe("integer", "AVERAGE-BANDWIDTH, bits per second.",
                                    minimum=0),
        "resolution": _maybe("string", "RESOLUTION as written, such as 1280x720."),
        "codecs": _maybe("string", "CODECS as written, such as avc1.42c00b,mp4a.40.2."),
        "frame_rate": _maybe("number", "FRAME-RATE (never on an I-frame entry)."),
        "iframe": _value("boolean", "Whether this is an EXT-X-I-FRAME-STREAM-INF entry."),
        "measured_bandwidth": _maybe(
            "integer", "Peak segment bit rate of the variant with its renditions, measured "
                       "from object sizes; null unless every segment's size is known.",
            minimum=0),
        "measured_average_bandwidth": _maybe(
            "integer", "Average bit rate measured the same way.", minimum=0),
        "groups": _value("array", "The rendition groups it plays with: its AUDIO, VIDEO, "
                                  "SUBTITLES and CLOSED-CAPTIONS GROUP-IDs, in that order "
                                  "(CLOSED-CAPTIONS=NONE is none).",
                         items={"type": "string"}),
        "probed_duration": _maybe(
            "number", "With --probe: the measured duration of its media playlist's probed "
                      "segments, seconds (the playlist's real length with --probe all).",
            minimum=0),
        "probed_codecs": {"type": ["array", "null"], "items": {"type": "string"},
                          "description": "With --probe: the codecs found in its segments and "
                                         "init segment, as RFC 6381 names them."},
        "probed_resolution": _maybe("string", "With --probe: the picture size its SPS gives, "
                                              "such as 1280x720."),
    })


def _rendition() -> Schema:
    return _object("One EXT-X-MEDIA entry.", {
        "line": _maybe("integer", "1-based line of the tag in the multivariant playlist.",
                       minimum=1),
        "type": _maybe("string", "TYPE: AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS."),
        "group_id": _maybe("string", "GROUP-ID."),
        "name": _maybe("string", "NAME."),
        "language": _maybe("string", "LANGUAGE."),
        "uri": _maybe("string", "The rendition playlist's URI, resolved; null when the tag has "
                                "none (closed captions, or media in the variant's stream)."),
    })


def _segment_measure() -> Schema:
    return _object("One probed segment: its EXTINF beside what its bytes say.", {
        "uri": _value("string", "The segment's object."),
        "extinf": _maybe("number", "EXTINF, seconds."),
        "container": _maybe("string", "What its bytes are: ts, fmp4, audio (packed) or "
                                      "webvtt; null when they are none of these."),
        "start": _maybe("number", "First presentation time on the media's clock, seconds "
                                  "(PES PTS, tfdt or the ID3 timestamp)."),
        "duration": _maybe("number", "Duration measured from its timestamps, seconds.",
                           minimum=0),
        "keyframe": _maybe("boolean", "Whether its first video picture is a random access "
                                      "point; null without video."),
        "codecs": _value("array", "Codecs found, as RFC 6381 names them.",
                         items={"type": "string"}),
        "resolution": _maybe("string", "Picture size from its SPS, such as 1280x720."),
        "bytes_read": _value("integer", "Bytes read to probe it (ranged GETs).", minimum=0),
        "error": _maybe("string", "Why it could not be read or understood."),
    })


def _probe() -> Schema:
    return _object("What --probe read from the segments of a media playlist.", {
        "mode": _value("string", "The --probe mode.", enum=["sample", "all"]),
        "segments_probed": _value("integer", "Segments read.", minimum=0),
        "bytes_read": _value("integer", "Bytes read from them in all.", minimum=0),
        "measured_duration": _maybe("number", "Sum of their measured durations, seconds.",
                                    minimum=0),
        "codecs": _value("array", "Codecs found in them.", items={"type": "string"}),
        "resolution": _maybe("string", "Picture size found, such as 1280x720."),
        "segments": _value("array", "Each probed segment, in playlist order.",
                           items=_segment_measure()),
    })


def _playlist() -> Schema:
    media = "Media playlists only; null on a multivariant playlist or when it was not read."
    schema = _object("The facts of one playlist.", {
        "uri": _value("string", "s3://BUCKET/KEY, an http(s):// URL, or an absolute local path."),
        "kind": _value("string", "media or multivariant.", enum=["media", "multivariant"]),
        "parent": _maybe("string", "URI of the multivariant playlist that referenced it; null "
                                   "for a playlist found on its own."),
        "load_status": _value("string", "Whether the playlist could be read: ok, or why its "
                                        "facts are absent. Findings say more.",
                              enum=["ok", "missing", "unreadable", "unparsable"]),
        "version": _maybe("integer", "EXT-X-VERSION."),
        "target_duration": _maybe("integer", f"EXT-X-TARGETDURATION, seconds. {media}"),
        "media_sequence": _maybe("integer", f"EXT-X-MEDIA-SEQUENCE. {media}"),
        "playlist_type": _maybe("string", f"EXT-X-PLAYLIST-TYPE as written (VOD, EVENT). "
                                          f"{media}"),
        "endlist": _maybe("boolean", f"Whether EXT-X-ENDLIST is present. {media}"),
        "segment_count": _maybe("integer", f"Media segments. {media}", minimum=0),
        "total_duration": _maybe("number", f"Sum of the EXTINF durations, seconds. {media}",
                                 minimum=0),
        "objects": {"anyOf": [_counts("Existence checks of the unique objects it references "
                                      "(segments, init segments, keys)."), {"type": "null"}],
                    "description": f"Its objects' existence checks. {media}"},
        "objects_counted": {"anyOf": [_counts("The objects this playlist was the first in "
                                              "the run to ask about; they add up to the "
                                              "summary, each object once."), {"type": "null"}],
                            "description": "What this entry added to the run's object "
                                           "counts, which `merge` takes back when another "
                                           "report holds the same playlist. Absent or null "
                                           "in reports of older versions."},
        "probe": {"anyOf": [_probe(), {"type": "null"}],
                  "description": f"What --probe read from its segments; null without --probe. "
                                 f"{media}"},
        "segments": {"anyOf": [_timeline(), {"type": "null"}],
                     "description": "Each media segment's duration, size and state, in "
                                    f"playlist order (the HTML report draws it). {media}"},
        "variants": _value("array", "Its EXT-X-STREAM-INF and EXT-X-I-FRAME-STREAM-INF entries "
                                    "(multivariant playlists only).", items=_variant()),
        "renditions": _value("array", "Its EXT-X-MEDIA entries (multivariant playlists only).",
                             items=_rendition()),
    }, "variants", "renditions", "segments")
    schema["if"] = {"properties": {"kind": {"const": "multivariant"}}}
    schema["then"] = {"required": ["variants", "renditions"]}
    schema["else"] = {"properties": {"variants": False, "renditions": False}}
    return schema


def _timeline() -> Schema:
    from hlsinspect.report import SEGMENT_STATES

    letters = ", ".join(f"{k} {v}" for k, v in SEGMENT_STATES.items())
    return _object("The media segments, one entry per segment in each array.", {
        "durations": _value("array", "EXTINF seconds.", items={"type": "number"}),
        "sizes": _value("array", "Bytes of the segment's object (its byte range's length); "
                                 "null when unknown.",
                        items={"type": ["integer", "null"], "minimum": 0}),
        "states": _value("string", f"One letter per segment: {letters} (a GAP, another "
                                   "host or an unresolved variable).",
                         pattern=f"^[{''.join(SEGMENT_STATES)}]*$"),
        "marked": _value("array", "[index, object URI] of every segment whose state is not "
                                  "p, so a report names what is missing without every URI.",
                         items={"type": "array", "prefixItems": [
                             {"type": "integer", "minimum": 0}, {"type": "string"}],
                                "minItems": 2, "maxItems": 2}),
    })


def _finding() -> Schema:
    return _object("One rule violation, located as precisely as the playlist allows.", {
        "code": _value("string", "Stable rule code: HLS and three digits (hlsinspect rules).",
                       pattern="^HLS[0-9]{3}$"),
        "name": _value("string", "Stable slug of the rule, such as segment-missing.",
                       pattern="^[a-z0-9]+(-[a-z0-9]+)*$"),
        "severity": _value("string", "How bad it is; --fail-on picks the lowest that fails.",
                           enum=SEVERITIES),
        "message": _value("string", "What is wrong."),
        "playlist": _maybe("string", "URI of the playlist it was found in; null for a finding "
                                     "about no playlist (a target or shard not inspected)."),
        "uri": _maybe("string", "URI of the object or playlist it is about, when it is about "
                                "one; for target-not-inspected, the target (in a merge, the "
                                "report) that could not be inspected."),
        "line": _maybe("integer", "1-based line in the playlist.", minimum=1),
        "reference": _maybe("string", "The clause that makes it a problem (RFC 8216 section, "
                                      "Apple HLS Authoring Specification item)."),
        "hint": _maybe("string", "How to fix it."),
        "observed": _maybe("string", "The value found, when it is about a value."),
        "expected": _maybe("string", "The value or range the clause asks for."),
        "count": _value("integer", "hlsinspect watch only: how many reloads showed it (a "
                                   "finding repeated over reloads is reported once).",
                        minimum=1),
        "first_seen": _value("string", "hlsinspect watch only: when it was first seen "
                                       "(ISO 8601, UTC).", format="date-time"),
        "last_seen": _value("string", "hlsinspect watch only: when it was last seen "
                                      "(ISO 8601, UTC).", format="date-time"),
    }, "count", "first_seen", "last_seen")


def _summary() -> Schema:
    def count(description: str) -> Schema:
        return _value("integer", description, minimum=0)

    return _object("Totals over the whole run.", {
        "playlists": count("Playlists in the report, read or not."),
        "playlists_missing": count("Of those, playlists a multivariant playlist references "
                                   "that do not exist. A target that could not be inspected "
                                   "is not counted (it is in no playlist count, and may be a "
                                   "bucket or prefix): it is a target-not-inspected finding."),
        "segments": count("Media segments over all media playlists."),
        "objects_checked": count("Unique objects checked (a shared object counts once)."),
        "missing": count("Of those, objects that do not exist."),
        "unknown": count("Of those, objects whose existence could not be established."),
        "errors": count("Findings of severity error."),
        "warnings": count("Findings of severity warning."),
        "infos": count("Findings of severity info."),
    })


def report_schema() -> Schema:
    """The schema of `hlsinspect check --format json` and `hlsinspect merge --format json`."""
    schema = _object(
        "The report of one hlsinspect check or merge, or of a run that could inspect nothing "
        "(exit code 2), which has an error member and ok false. Every object is open: "
        "members may be added within one schema_version, so read reports leniently and "
        "ignore members you do not know.", {
            "schema_version": _value("integer", "Version of this layout. Members may be added "
                                                "within a version; a rename, retype or removal "
                                                "makes a new one.", const=SCHEMA_VERSION),
            "tool": _object("The program that wrote the report.", {
                "name": _value("string", "Always hlsinspect.", const="hlsinspect"),
                "version": _value("string", "Its version."),
            }),
            "ok": _value("boolean", "True when no finding is at or above fail_on and the run "
                                    "inspected something: exit code 0."),
            "fail_on": _value("string", "The lowest severity that fails the run (--fail-on).",
                              enum=SEVERITIES),
            "shard": {"anyOf": [_object("The share of titles this run inspected.", {
                "index": _value("integer", "K of --shard K/N, from 1.", minimum=1),
                "count": _value("integer", "N of --shard K/N.", minimum=1),
            }), {"type": "null"}], "description": "--shard K/N of this run; null for a whole "
                                                  "run (merged reports included)."},
            "targets": _value("array", "The targets as given (credentials in URLs redacted).",
                              items={"type": "string"}),
            "playlists": _value("array", "Every playlist inspected, each once, in report order.",
                                items=_playlist()),
            "findings": _value("array", "Every finding, in the order of the rule registry's "
                                        "priority.", items=_finding()),
            "timeline": _value("array", "hlsinspect watch only: what it saw happen, in "
                                        "order (absent from other commands' reports).",
                               items=_object("One event of one rendition.", {
                                   "time": _value("string", "When (ISO 8601, UTC).",
                                                  format="date-time"),
                                   "rendition": _value("string", "The media playlist."),
                                   "event": _value("string", "started, segments-added, "
                                                             "segments-removed, ended, "
                                                             "stopped (--duration reached, "
                                                             "Ctrl-C, SIGTERM), "
                                                             "unreadable, or the name of a "
                                                             "finding first seen."),
                                   "detail": _value("string", "What exactly (sequence "
                                                              "numbers, the message)."),
                               })),
            "summary": _summary(),
            "error": _object("Why nothing could be inspected (exit code 2); absent otherwise.", {
                "kind": _value("string", "What failed, a stable word: usage, input, output, "
                                         "no-playlist, interrupted, internal, or a storage "
                                         "failure such as no-bucket, access-denied, "
                                         "credentials, endpoint-unreachable, not-found, "
                                         "stale-inventory."),
                "message": _value("string", "The error line, naming what failed."),
                "hint": _maybe("string", "How to fix it, when known."),
            }),
            "incomplete": _value("boolean", "Present (true) only when the run was interrupted "
                                            "(exit code 130, Ctrl-C; 143, SIGTERM): the "
                                            "report holds what was completed before (no "
                                            "error member) or, when nothing was, the "
                                            "interrupted error; either way not the whole "
                                            "story.", const=True),
        }, "error", "incomplete", "timeline")
    schema["if"] = {"required": ["error"]}
    schema["then"] = {"properties": {"ok": {"const": False}}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "hlsinspect JSON report", **schema}


def schema_text() -> str:
    """The schema as `hlsinspect schema` prints it and docs/report.schema.json holds it."""
    return json.dumps(report_schema(), indent=2) + "\n"
