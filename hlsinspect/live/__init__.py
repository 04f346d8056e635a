"""`hlsinspect watch`: live playlists reloaded and checked across snapshots."""
