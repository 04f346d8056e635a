"""The rules of `hlsinspect watch`: what successive reloads of a live playlist must keep.

A single snapshot cannot show them, so they have no file-tree examples: `live/compare.py`
applies them to pairs of snapshots, and the tests named in `tested_by` show each one fail.
"""

from __future__ import annotations

from hlsinspect.checks.registry import ERROR, WARNING, pipeline_rule

_TESTS = "tests/test_watch_compare.py::"
LIVE: dict[str, str | bytes] = {"index.m3u8": "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n"
                      "#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:1.0,\ns7.ts\n#EXTINF:1.0,\ns8.ts\n",
        "s7.ts": b"\x47" * 188, "s8.ts": b"\x47" * 188}
"""One snapshot of a healthy live playlist: passing every rule, as one snapshot must."""

pipeline_rule(
    "HLS900", "live-playlist-stale", WARNING,
    "A live playlist gained no new segment for more than 1.5 target durations (a warning) "
    "or 3 (an error): the packager or its upload has stalled.", "RFC 8216 6.2.1",
    scope="watch", hint="the server must add a segment about once per target duration; "
                        "check the encoder's input and the packager's uploads",
    passing=[LIVE], tested_by=_TESTS + "test_stale_after_three_target_durations_is_an_error")
pipeline_rule(
    "HLS901", "media-sequence-regressed", ERROR,
    "EXT-X-MEDIA-SEQUENCE went down between two reloads: clients lose their place.",
    "RFC 8216 6.2.2", scope="watch",
    hint="a restarted packager must continue the media sequence, not start it again",
    passing=[LIVE], tested_by=_TESTS + "test_sequence_regressed")
pipeline_rule(
    "HLS902", "media-sequence-inconsistent", ERROR,
    "EXT-X-MEDIA-SEQUENCE did not grow by exactly the number of segments removed from the "
    "head of the playlist.", "RFC 8216 6.2.2", scope="watch",
    hint="increment EXT-X-MEDIA-SEQUENCE by one for each segment removed from the head",
    passing=[LIVE], tested_by=_TESTS + "test_sequence_inconsistent")
pipeline_rule(
    "HLS903", "segment-rewritten", ERROR,
    "A media sequence number already seen now carries another URI, duration, byte range, key "
    "or discontinuity.", "RFC 8216 6.2.1", scope="watch",
    hint="a segment, once published, must not change; publish a new one with the next "
         "media sequence number",
    passing=[LIVE], tested_by=_TESTS + "test_rewritten_uri")
pipeline_rule(
    "HLS904", "target-duration-changed", ERROR,
    "EXT-X-TARGETDURATION changed between two reloads of a live playlist.", "RFC 8216 6.2.1",
    scope="watch", hint="the target duration of a live playlist must never change",
    passing=[LIVE], tested_by=_TESTS + "test_target_duration_changed")
pipeline_rule(
    "HLS905", "discontinuity-sequence-wrong", ERROR,
    "EXT-X-DISCONTINUITY-SEQUENCE did not grow by the number of EXT-X-DISCONTINUITY tags "
    "removed from the head of the playlist.", "RFC 8216 6.2.2", scope="watch",
    hint="increment EXT-X-DISCONTINUITY-SEQUENCE for each removed segment that carried an "
         "EXT-X-DISCONTINUITY tag",
    passing=[LIVE], tested_by=_TESTS + "test_discontinuity_sequence_not_incremented")
pipeline_rule(
    "HLS906", "removed-segment-unavailable", ERROR,
    "A segment that left the playlist was gone (404) before its duration plus the "
    "playlist's duration had passed: a client that loaded the playlist just before cannot "
    "play it.", "RFC 8216 6.2.2", scope="watch",
    hint="keep removed segments available for their duration plus the playlist's duration "
         "before deleting them",
    passing=[LIVE], tested_by=_TESTS + "test_removed_segment_gone_too_early")
pipeline_rule(
    "HLS907", "program-date-time-moved", ERROR,
    "The EXT-X-PROGRAM-DATE-TIME of a media sequence number changed between reloads.",
    "RFC 8216bis 4.4.4.6", scope="watch",
    hint="a segment's date is part of it: it must not change once published",
    passing=[LIVE], tested_by=_TESTS + "test_program_date_time_moved")
pipeline_rule(
    "HLS908", "renditions-drift", WARNING,
    "The live edges of one title's renditions drifted apart by more than two target "
    "durations over the watch: one rendition falls behind the others.",
    "RFC 8216 6.2.4", scope="watch",
    hint="the renditions of a title must be produced together; check the encoder of the "
         "one falling behind",
    passing=[LIVE], tested_by=_TESTS + "test_renditions_drift")
pipeline_rule(
    "HLS909", "playlist-changed-after-endlist", ERROR,
    "A playlist changed after it carried EXT-X-ENDLIST.", "RFC 8216 6.2.1", scope="watch",
    hint="once EXT-X-ENDLIST is written the playlist is final; start a new one instead",
    passing=[LIVE], tested_by=_TESTS + "test_changed_after_endlist")

# Low-latency HLS on an HTTP origin: what blocking reloads (RFC 8216bis 6.2.5.2) are
# answered with. An S3 bucket or a directory serves no Delivery Directives: there the watch
# polls and these rules do not apply.
_LL = "tests/test_watch_lowlatency.py::"
pipeline_rule(
    "HLS910", "blocking-reload-wrong-part", ERROR,
    "A blocking playlist reload (_HLS_msn, _HLS_part) was answered with a playlist that does "
    "not contain the part asked for, nor a later one: the server must hold the request until "
    "it can. Checked on HTTP origins that offer CAN-BLOCK-RELOAD=YES.",
    "RFC 8216bis 6.2.5.2", scope="watch",
    hint="hold a request with _HLS_msn/_HLS_part until the playlist has that part (or answer "
         "503 after three target durations); a CDN must pass the query on to the origin",
    passing=[LIVE], tested_by=_LL + "test_answer_without_the_part")
pipeline_rule(
    "HLS911", "blocking-reload-late", WARNING,
    "A blocking playlist reload was answered more than three Part Target Durations after it "
    "was asked (a warning), or more than three Target Durations (an error: the server should "
    "have answered 503 by then): the part was published late or the server held the answer. "
    "Checked on HTTP origins that offer CAN-BLOCK-RELOAD=YES.",
    "RFC 8216bis 6.2.5.2", scope="watch",
    hint="answer a blocking reload as soon as the part asked for is in the playlist; check "
         "the packager's part cadence and any cache that holds the request",
    passing=[LIVE], tested_by=_LL + "test_late_answers")
pipeline_rule(
    "HLS912", "rendition-report-wrong", ERROR,
    "An EXT-X-RENDITION-REPORT's LAST-MSN/LAST-PART is not what the reported rendition's own "
    "playlist said at the time: outside what it said in its reloads just before and just "
    "after, with one part of slack either side. Checked on the answers to blocking reloads "
    "of HTTP origins.",
    "RFC 8216bis 4.4.5.4", scope="watch",
    hint="fill each rendition report from the reported rendition's current playlist; players "
         "switching renditions ask for the part the report names",
    passing=[LIVE], tested_by=_LL + "test_wrong_rendition_reports")
