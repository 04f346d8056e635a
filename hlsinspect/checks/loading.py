"""Rules the pipeline reports while it reads, resolves and follows playlists.

They have no check function: discovery and resolution find these cases as they go. They are
registered like every other rule, so `hlsinspect rules`, --select/--ignore and the examples
treat them the same.
"""

from __future__ import annotations

from hlsinspect import limits
from hlsinspect.checks.registry import ERROR, INFO, WARNING, Example, pipeline_rule

VOD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-PLAYLIST-TYPE:VOD\n"
MEDIA = VOD + "#EXTINF:9.009,\na.ts\n#EXT-X-ENDLIST\n"
TS = b"\x47" + b"\x00" * 187


def _master(uri: str) -> str:
    return f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n{uri}\n"


pipeline_rule(
    "HLS020", "playlist-missing", ERROR,
    "A playlist referenced by a multivariant playlist does not exist.", "RFC 8216 4.3.4.2",
    hint="upload the variant playlist, or fix the URI in the multivariant playlist",
    passing=[{"master.m3u8": _master("v/index.m3u8"), "v/index.m3u8": MEDIA, "v/a.ts": TS}],
    failing=[{"master.m3u8": _master("v/index.m3u8")}])
pipeline_rule(
    "HLS021", "playlist-unreadable", ERROR,
    "A referenced playlist exists but could not be read (403, too large, throttled).",
    "RFC 8216 4.3.4.2", hint="the message names the cause; for a 403, grant s3:GetObject",
    passing=[{"master.m3u8": _master("v.m3u8"), "v.m3u8": MEDIA, "a.ts": TS}],
    failing=[{"master.m3u8": _master("v.m3u8"), "v.m3u8/x": "a directory, not a file"}])
pipeline_rule(
    "HLS022", "playlist-loop", ERROR,
    "A multivariant playlist references itself or another multivariant playlist that leads "
    "back to it.", "RFC 8216 4.3.4.2",
    hint="a variant's URI must name a media playlist",
    passing=[{"master.m3u8": _master("v.m3u8"), "v.m3u8": MEDIA, "a.ts": TS}],
    failing=[{"master.m3u8": _master("master.m3u8")}])
pipeline_rule(
    "HLS023", "target-not-inspected", ERROR,
    "One of several targets could not be inspected at all (no such bucket, no playlist under "
    "the prefix, access denied); the others were.", "-",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    failing=[Example({"index.m3u8": MEDIA, "a.ts": TS, "empty/readme.txt": "no playlist"},
                     ("index.m3u8", "empty"))])
pipeline_rule(
    "HLS027", "prefix-unlisted", ERROR,
    "Part of a prefix could not be listed, even after retries (access denied, throttling, "
    "an error of the store): the titles under it were not inspected, so the audit is "
    "incomplete.", "-",
    hint="the message names the cause; for a 403, grant s3:ListBucket on the bucket",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    tested_by="tests/test_titles_stream.py::test_a_prefix_that_cannot_be_listed_is_a_finding")
pipeline_rule(
    "HLS029", "inventory-used", INFO,
    "Playlists were found and objects settled from an S3 Inventory (--inventory), not by "
    "listing the bucket: the finding names the inventory and its date. Keys it lacks are "
    "asked with HEAD; an object deleted after it was made cannot be caught.", "-",
    hint="run without --inventory to list the bucket itself",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    tested_by="tests/test_inventory_check.py::test_an_inventory_replaces_every_listing")
pipeline_rule(
    "HLS024", "multivariant-nested", ERROR,
    "A multivariant playlist references another multivariant playlist where a media playlist "
    "must stand.", "RFC 8216 4.3.4.2",
    hint="point the variant at the media playlist itself",
    passing=[{"master.m3u8": _master("v.m3u8"), "v.m3u8": MEDIA, "a.ts": TS}],
    failing=[{"master.m3u8": _master("inner.m3u8"), "inner.m3u8": _master("v.m3u8"),
              "v.m3u8": MEDIA, "a.ts": TS}])
pipeline_rule(
    "HLS026", "playlist-unreferenced", WARNING,
    "A media playlist found under a multivariant playlist's directory (when a prefix or "
    "directory is checked) that no multivariant playlist there references: a variant the "
    "multivariant playlist lost, or a left-over from an earlier transcode. It is still "
    "inspected on its own.", "RFC 8216 4.3.4.2",
    hint="add its EXT-X-STREAM-INF or EXT-X-MEDIA to the multivariant playlist, or delete it",
    passing=[Example({"master.m3u8": _master("v/index.m3u8"), "v/index.m3u8": MEDIA,
                      "v/a.ts": TS, "other/index.m3u8": MEDIA, "other/a.ts": TS},
                     ("master.m3u8", "other"))],
    failing=[Example({"master.m3u8": _master("v/index.m3u8"), "v/index.m3u8": MEDIA,
                      "v/a.ts": TS, "w/index.m3u8": MEDIA, "w/a.ts": TS}, ("",))])
pipeline_rule(
    "HLS028", "shard-missing", ERROR,
    "hlsinspect merge --allow-partial combined the reports of a --shard K/N run without the "
    "report of one shard: the targets of that shard were not inspected, so the merged audit "
    "is incomplete and must not pass.", "-",
    hint="run the missing shard again and merge its report with the others",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    tested_by="tests/test_merge.py::test_allow_partial_merges_with_a_shard_missing_finding")
pipeline_rule(
    "HLS016", "byterange-invalid", ERROR,
    "An EXT-X-BYTERANGE (or BYTERANGE attribute) that cannot be placed: no offset and no "
    "previous sub-range of the same resource to continue, a zero length, or an EXT-X-MAP "
    "range without offset.", "RFC 8216 4.3.2.2", scope="media",
    hint="write the offset explicitly: <length>@<offset>",
    passing=[{"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
              "#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:9.009,\n#EXT-X-BYTERANGE:88\nall.ts\n"
              "#EXT-X-ENDLIST\n", "all.ts": TS}],
    failing=[{"index.m3u8": VOD.replace(":3", ":4") + "#EXTINF:9.009,\n"
              "#EXT-X-BYTERANGE:100\nall.ts\n#EXT-X-ENDLIST\n", "all.ts": TS}])
pipeline_rule(
    "HLS030", "uri-escapes-root", ERROR,
    "A relative URI climbs above the bucket (or local root) with '..', or names a symbolic "
    "link that leads out of a local root: it is not requested.",
    "RFC 3986 5.2.4", hint="fix the URI; for a local copy of a bucket, name its top with --root",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    failing=[MEDIA.replace("a.ts", "../../../etc/a.ts")])
pipeline_rule(
    "HLS031", "external-uri-not-checked", INFO,
    "A URI on another host, bucket or scheme (skd://, data:) was not fetched: hlsinspect "
    "requests nothing outside what it inspects unless --map says where to look.",
    "RFC 8216 4.1", hint="to verify CDN URLs against the bucket, use --map URL-PREFIX=s3://BUCKET/",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    failing=[MEDIA.replace("a.ts", "https://cdn.example.com/a.ts")])
pipeline_rule(
    "HLS032", "uri-invalid", ERROR,
    "A URI that cannot name an object (a NUL character, percent-encoding that is not UTF-8).",
    "RFC 3986 2", hint="write the URI with valid percent-encoding",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    failing=[MEDIA.replace("a.ts", "a%00.ts")])
_IMPORTED = ("#EXTM3U\n#EXT-X-VERSION:8\n#EXT-X-DEFINE:IMPORT=\"t\"\n#EXT-X-TARGETDURATION:10\n"
             "#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:9.009,\na.ts?t={$t}\n#EXT-X-ENDLIST\n")
pipeline_rule(
    "HLS033", "variable-unresolved", WARNING,
    "A {$NAME} in a URI whose value cannot be known here: a QUERYPARAM without the query of "
    "the URL a player reads the playlist from (an S3 or local store has none), or an IMPORT "
    "in a media playlist checked without its multivariant playlist. The object is verified "
    "by what is known (an S3 or local key drops the query), or reported object-unverified "
    "with this reason; a playlist with such a URI is not followed. Nothing is left out.",
    "RFC 8216bis 4.4.2.3", scope="media",
    hint="check the multivariant playlist, or give the URL with the query a player uses",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    failing=[{"index.m3u8": _IMPORTED, "a.ts": TS}])
pipeline_rule(
    "HLS036", "object-not-regular", ERROR,
    "A URI of a local target names something that is not a regular file: a FIFO, a device or "
    "a socket (a symbolic link to one included). It is never opened: reading it could block "
    "forever or never end.", "-",
    hint="point the URI at the file itself; hlsinspect reads only regular files",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    tested_by="tests/test_scope.py::test_a_fifo_is_never_opened")
pipeline_rule(
    "HLS099", "internal-error", ERROR,
    "hlsinspect failed while checking this playlist; the rest of the report stands. Run with "
    "--debug and report it.", "-",
    passing=[{"index.m3u8": MEDIA, "a.ts": TS}],
    tested_by="tests/test_rules.py::test_a_crashing_rule_is_an_internal_error")
pipeline_rule(
    "HLS035", "title-too-large", ERROR,
    "A title reached the cap on playlists (a fan-out or loop through queries, links or "
    "encoded slashes); the rest is not read. The cap counts the playlists read by following "
    f"references: {limits.MAX_PLAYLISTS_PER_TITLE:,} per title and "
    f"{limits.MAX_PLAYLISTS_PER_RUN:,} per run.", "-",
    hint="a multivariant playlist that names itself under new names is a loop; for a title "
         "really this large, raise HLSINSPECT_LIMIT_MAX_PLAYLISTS_PER_TITLE",
    passing=[{"master.m3u8": _master("v.m3u8"), "v.m3u8": MEDIA, "a.ts": TS}],
    tested_by="tests/test_bounds.py::test_a_fan_out_of_names_stops_at_the_cap")
