"""The stages of a `check`, one module each, data passing one way, title after title:

    titles  a target walked level by level into titles, each with its own listing
    fetch   a title's playlists read and parsed; multivariant playlists followed
    check   each playlist's text rules; its references resolved to keys
    verify  which referenced objects exist: the title's listing, then HEAD
    judge   object and title rules; the title reduced to its facts and findings
    run     the driver: stages 1-2 a few titles ahead (`flow`), the report assembled
"""
