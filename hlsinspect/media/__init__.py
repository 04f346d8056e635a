"""Reading media segments' own bytes: containers, timestamps, keyframes and codecs.

`--probe` asks what a segment really holds from a few kilobytes of its head and tail, so these
parsers take untrusted, often partial bytes: every one is bounded (no loop runs past its
input), and damage raises `MediaError` (or is reported as a `Problem`), never anything else.
"""
