"""How a playlist's name ends: a module of its own because the command's entry point reads
it (to guess what the run will do) before anything heavier is imported."""

PLAYLIST_SUFFIXES = (".m3u8", ".m3u")
"""How a playlist's name ends (RFC 8216 4: or its Content-Type says it is one)."""
