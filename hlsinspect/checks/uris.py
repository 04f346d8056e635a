"""Findings for references that are not followed (outside the root, invalid, or external),
and for those whose variables have no known value."""

from __future__ import annotations

from hlsinspect.checks.registry import finding
from hlsinspect.playlists import Playlist
from hlsinspect.report import Finding
from hlsinspect.uri.keys import Reference


def _shown(raw: str) -> str:
    """A URI for a message: a data: URI or a long token is cut, the finding keeps it whole."""
    return repr(raw if len(raw) <= 100 else raw[:97] + "...")


def unfollowed(what: str, raw: str, where: Reference, playlist: str, line: int | None,
               *, local: bool = False) -> Finding:
    """Why the URI `raw` (a `what`: segment, key, variant playlist...) is not requested."""
    if where.refused:
        return finding(
            "object-not-regular", f"{what} URI {_shown(raw)} names {where.refused}, not a "
            "regular file: not opened", playlist=playlist, uri=raw, line=line)
    if where.escapes and where.invalid:  # the local store: a link out of the root
        return finding(
            "uri-escapes-root", f"{what} URI {_shown(raw)} leads out of the root: "
            f"{where.invalid}; not read", playlist=playlist, uri=raw, line=line)
    if where.escapes:
        advice = ("; if the directory is a copy of a bucket, name the bucket's top with --root"
                  if local else "")
        return finding(
            "uri-escapes-root", f"{what} URI {_shown(raw)} climbs above the root with '..': "
            f"not requested{advice}", playlist=playlist, uri=raw, line=line)
    if where.invalid:
        return finding("uri-invalid", f"{what} URI {_shown(raw)}: {where.invalid}",
                       playlist=playlist, uri=raw, line=line)
    return finding(
        "external-uri-not-checked", f"{what} URI {_shown(raw)} is {where.external}: not "
        "fetched", playlist=playlist, uri=raw, line=line)


class Unresolved:
    """The variables with no known value that a playlist's URIs refer to, gathered into one
    variable-unresolved finding per variable (a token in a thousand segment URIs is one
    fact), saying how many URIs use it and what became of them."""

    def __init__(self, playlist: Playlist, uri: str, location: str, imported: bool) -> None:
        """`uri` names the playlist in reports; `location` is the URL it was read from
        (after redirects), whose query QUERYPARAM reads."""
        self.playlist, self.uri, self.imported = playlist, uri, imported
        self.location = location
        self.uses: dict[str, list[tuple[int, bool]]] = {}

    def add(self, names: tuple[str, ...], line: int, known: bool) -> None:
        for name in names:
            self.uses.setdefault(name, []).append((line, known))

    def why(self, names: tuple[str, ...]) -> str:
        """Why an object whose URI refers to `names` is unverified."""
        return "; ".join(f"its URI holds {{${name}}}, whose value cannot be known here: "
                         + self._reason(name) for name in names)

    def _reason(self, name: str) -> str:
        http = self.location.lower().startswith(("http://", "https://"))
        query_from = self.location if http else None
        return self.playlist.unknown_reason(name, self.imported, query_from)

    def findings(self, what: str) -> list[Finding]:
        """One finding per variable; `what` the URIs hold ("object", "playlist")."""
        out = []
        for name, uses in self.uses.items():
            if not _declared(self.playlist, name):
                continue  # variable-undefined reports a name nothing defines
            lost = sum(1 for _, known in uses if not known)
            count = f"{len(uses)} URI{'s' if len(uses) > 1 else ''}"
            if lost == 0:
                fate = (f"the {what}s are {'followed' if what == 'playlist' else 'verified'} "
                        "without it (the store ignores that part of a URI)")
            elif what == "playlist":
                fate = f"{lost} not followed"
            else:
                fate = f"{lost} unverified (object-unverified)"
            out.append(finding(
                "variable-unresolved", f"{{${name}}} in {count} (first on line {uses[0][0]}): "
                f"{self._reason(name)}; {fate}", playlist=self.uri, line=uses[0][0],
                observed=f"{{${name}}}"))
        return out


def _declared(playlist: Playlist, name: str) -> bool:
    return any(tag.attr(a) == name for tag in playlist.lines.all("EXT-X-DEFINE")
               for a in ("NAME", "IMPORT", "QUERYPARAM"))
