"""The rule registry: each rule is one function registered beside its metadata and examples.

    @rule("HLS101", "version-duplicate", ERROR, scope="line", reference="RFC 8216 4.3.1.2",
          passing=["#EXTM3U\\n#EXT-X-VERSION:3\\n..."], failing=["..."])
    def version_duplicate(ctx: PlaylistContext) -> Iterator[Issue]:
        '''At most one EXT-X-VERSION: clients must reject a playlist with two.'''
        ...

A check yields `Issue`s (what is wrong, where); the engine turns them into `Finding`s with the
rule's code, name, effective severity, reference and hint. Rules that the pipeline itself
reports (a playlist that cannot be read, a missing segment) are registered the same way with
no function, so every finding is made through this registry. Codes and names are a contract:
scripts filter on them, so a rule is never renumbered or renamed.
"""

from __future__ import annotations

import difflib
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from hlsinspect.errors import UsageError
from hlsinspect.report import Finding, Severity, shared

Scope = Literal["load", "line", "media", "multivariant", "title", "object", "probe", "watch"]
Profile = Literal["rfc", "apple"]
SCOPES: dict[str, str] = {
    "load": "reading and following playlists (reported by the pipeline)",
    "line": "the lines of any playlist",
    "media": "one media playlist",
    "multivariant": "one multivariant playlist",
    "title": "a multivariant playlist and the media playlists it references",
    "object": "the objects a playlist references, once verified",
    "probe": "what the segments' own bytes hold (only with --probe sample or all)",
    "watch": "successive reloads of a live playlist (only hlsinspect watch)",
}
PROFILES: dict[str, str] = {
    "rfc": "RFC 8216 and draft-pantos-hls-rfc8216bis (the default)",
    "apple": "the RFC rules plus Apple's HLS Authoring Specification",
}
ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Example:
    """A small tree of files; `targets` (files or directories in it) are what gets checked.

    A plain string is a playlist saved as index.m3u8; a mapping is a tree whose first entry
    is the target.
    """

    files: Mapping[str, str | bytes]
    targets: tuple[str, ...]
    note: str = ""
    probe: str = "none"
    """The --probe mode it is checked with (the probe rules' examples need `all`)."""


ExampleSpec = str | Mapping[str, str | bytes] | Example


def _example(spec: ExampleSpec) -> Example:
    if isinstance(spec, Example):
        return spec
    if isinstance(spec, str):
        return Example({"index.m3u8": spec}, ("index.m3u8",))
    return Example(dict(spec), (next(iter(spec)),))


@dataclass(frozen=True)
class Issue:
    """What a check found: the engine adds the rule's code, name, severity and reference."""

    message: str
    """What is wrong, in plain words, with the value found and the value expected."""
    line: int | None = None
    uri: str | None = None
    """How reports name the object (or playlist) the issue is about."""
    playlist: str | None = None
    """The playlist the issue belongs to, when not the one being checked (title rules)."""
    severity: Severity | None = None
    """Only for rules whose severity depends on the case (ENDLIST: error for VOD)."""
    hint: str | None = None
    """How to fix it, when the rule's general hint does not say it well enough."""
    observed: str | None = None
    expected: str | None = None
    reference: str | None = None
    """Where the specification says it, when not the rule's own reference: a rule about
    RFC 8216's tags cites RFC 8216bis for a tag only 8216bis defines (EXT-X-PART)."""


Check = Callable[[Any], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """One rule: its contract (code, name), what it checks, and how to fix what it finds."""

    code: str
    name: str
    severity: Severity
    scope: Scope
    summary: str
    reference: str
    profile: Profile = "rfc"
    hint: str | None = None
    apple_severity: Severity | None = None
    """The severity under --rules apple, where Apple's specification is stricter."""
    passing: tuple[Example, ...] = ()
    failing: tuple[Example, ...] = ()
    check: Check | None = field(default=None, compare=False)
    """None for rules the pipeline reports itself."""
    tested_by: str | None = None
    """The test that shows the failing case when no file tree can (a 403 needs S3)."""
    module: str = field(default="", compare=False)
    """The module that defines it (`hlsinspect rules CODE` names it, to read the check)."""

    def finding(self, issue: Issue, playlist: str | None,
                severity: Severity | None = None) -> Finding:
        return Finding(
            code=self.code, name=self.name,
            severity=issue.severity or severity or self.severity,
            message=sys.intern(issue.message), playlist=issue.playlist or playlist,
            uri=issue.uri, line=issue.line,
            reference=issue.reference or (None if self.reference == "-" else self.reference),
            hint=issue.hint or self.hint, observed=shared(issue.observed),
            expected=shared(issue.expected))


RULES: dict[str, Rule] = {}
"""Every rule by name, in registration order (the CLI lists them by code)."""
_CODES: dict[str, str] = {}
F = TypeVar("F", bound=Check)


def register(item: Rule) -> Rule:
    if item.name in RULES or item.code in _CODES:
        raise ValueError(f"rule {item.code} {item.name} is registered twice")
    RULES[item.name] = item
    _CODES[item.code] = item.name
    return item


def rule(code: str, name: str, severity: Severity, *, scope: Scope, reference: str,
         profile: Profile = "rfc", hint: str | None = None,
         apple_severity: Severity | None = None, summary: str | None = None,
         passing: Iterable[ExampleSpec] = (), failing: Iterable[ExampleSpec] = (),
         tested_by: str | None = None) -> Callable[[F], F]:
    """Register the decorated check; its docstring's first paragraph is the summary."""

    def decorate(check: F) -> F:
        text = summary or (inspect.getdoc(check) or "").split("\n\n")[0].replace("\n", " ")
        register(Rule(code, name, severity, scope, text, reference, profile, hint,
                      apple_severity, tuple(_example(e) for e in passing),
                      tuple(_example(e) for e in failing), check, tested_by,
                      check.__module__))
        return check

    return decorate


def pipeline_rule(code: str, name: str, severity: Severity, summary: str, reference: str, *,
                  scope: Scope = "load", hint: str | None = None,
                  passing: Iterable[ExampleSpec] = (), failing: Iterable[ExampleSpec] = (),
                  tested_by: str | None = None) -> Rule:
    """Register a rule that the pipeline reports (no check function)."""
    return register(Rule(code, name, severity, scope, summary, reference, hint=hint,
                         passing=tuple(_example(e) for e in passing),
                         failing=tuple(_example(e) for e in failing), tested_by=tested_by,
                         module=sys._getframe(1).f_globals.get("__name__", "")))


def finding(name: str, message: str, *, playlist: str | None, uri: str | None = None,
            line: int | None = None, severity: Severity | None = None,
            hint: str | None = None, observed: str | None = None,
            expected: str | None = None, reference: str | None = None) -> Finding:
    """A finding of rule `name`, made by the pipeline rather than by a check."""
    return RULES[name].finding(
        Issue(message, line=line, uri=uri, hint=hint, observed=observed, expected=expected,
              reference=reference), playlist, severity)


_FIRST = {"load": 0, "object": 1, "probe": 1, "watch": 2, "title": 2, "media": 3,
          "multivariant": 3, "line": 4}
"""Within a severity, what a QA engineer acts on first: playlists and objects that are not
there, then the title, then each playlist's own text."""


def priority(found: Finding) -> tuple[int, int]:
    """The sort key of a report's findings: worst first, then by `_FIRST`. A stable sort on
    it keeps the order the findings were made in within one key, so the engine and a merge of
    its reports order findings alike."""
    rule = RULES.get(found.name)
    return -found.severity.rank, _FIRST.get(rule.scope if rule else "load", 0)


def lookup(token: str) -> Rule:
    """The rule a code (HLS010) or name (segment-missing) names; UsageError otherwise."""
    name = _CODES.get(token.strip().upper(), token.strip().lower())
    if name not in RULES:
        near = difflib.get_close_matches(name, list(RULES), n=1, cutoff=0.7)
        guess = f"; did you mean {near[0]}?" if near else ""
        # the list itself is 'hlsinspect rules': a 6 KB hint line would bury the guess
        raise UsageError(
            f"no rule named {token!r}{guess}",
            hint=f"'hlsinspect rules' lists all {len(RULES)} rules with their codes and names; "
                 "either works (HLS010 or segment-missing)")
    return RULES[name]


def by_code() -> list[Rule]:
    return sorted(RULES.values(), key=lambda r: r.code)


def nearest(token: str, n: int = 3) -> list[str]:
    """The rule names (or codes, for a code-like token) closest to a token that names none."""
    code = token.strip().upper()
    if code.startswith("HLS"):
        # a code cut short (HLS01) means the codes it begins; digits alone are all alike
        begun = sorted(c for c in _CODES if c.startswith(code))
        return (begun or difflib.get_close_matches(code, sorted(_CODES), n=n, cutoff=0.6))[:n]
    return difflib.get_close_matches(token.strip().lower(), list(RULES), n=n, cutoff=0.6)


@dataclass(frozen=True)
class Selection:
    """Which rules run and how severe they are: --rules, --select and --ignore."""

    profile: Profile = "rfc"
    select: frozenset[str] = frozenset()
    """Rule names; when given, only these rules run (in any profile)."""
    ignore: frozenset[str] = frozenset()

    @classmethod
    def of(cls, profile: str = "rfc", select: Iterable[str] = (),
           ignore: Iterable[str] = ()) -> Selection:
        if profile not in PROFILES:
            raise UsageError(f"no rules profile named {profile!r}",
                             hint=f"use one of: {', '.join(PROFILES)}")
        return cls(profile,  # type: ignore[arg-type]
                   frozenset(lookup(t).name for t in select),
                   frozenset(lookup(t).name for t in ignore))

    def enabled(self, item: Rule) -> bool:
        if item.name in self.ignore:
            return False
        if self.select:
            return item.name in self.select
        return item.profile == "rfc" or self.profile == "apple"

    def severity(self, item: Rule) -> Severity:
        if self.profile == "apple" and item.apple_severity is not None:
            return item.apple_severity
        return item.severity

    def admits(self, found: Finding) -> bool:
        item = RULES.get(found.name)
        return item is None or self.enabled(item)
