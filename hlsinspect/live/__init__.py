"""`hlsinspect watch`: live playlists reloaded and checked across snapshots.

`watch` runs the loop and is the public API (`hlsinspect.watch`, `Watch`); `discovery` finds
what to follow; `reload` fetches each media playlist on its own thread, when `schedule` says;
the rest applies rules on the watch's own thread and owns no thread: `rules` (check's rules on
one snapshot), `objects` (segments asked about), `compare` and `lowlatency` (the rules across
snapshots, no I/O), `rendition_reports`, `titles` and `multivariant` (the title rules),
`seen` and `timeline` (what was seen, once each, in bounded memory), `reporting` (the Report).
"""
