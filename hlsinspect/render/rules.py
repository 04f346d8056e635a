"""`hlsinspect rules` for people (a table, or a list on narrow terminals), for programs
(JSON) and for the documentation (Markdown: docs/rules.md is this output)."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from hlsinspect.checks.registry import PROFILES, SCOPES, Example, Rule


def render_rules(rules: list[Rule], width: int) -> RenderableType:
    if width >= 140:
        table = Table(title="hlsinspect rules", title_justify="left")
        for column in ("Code", "Name", "Severity", "Profile", "Scope"):
            table.add_column(column, no_wrap=True)
        table.add_column("Summary")
        table.add_column("Reference")
        for r in rules:
            table.add_row(r.code, r.name, r.severity.value, r.profile, r.scope, r.summary,
                          r.reference)
        return table
    # the key to the lines below, in their own shape (a grep for a rule never matches it)
    parts: list[RenderableType] = [Text("CODE name  severity, profile, scope  (reference)",
                                        style="dim")]
    for r in rules:
        parts.append(Text.assemble(
            (f"{r.code} {r.name}", "bold"), f"  {r.severity.value}, {r.profile}, {r.scope}",
            ("" if r.reference == "-" else f"  ({r.reference})", "dim")))
        parts.append(Padding(Text(r.summary), (0, 0, 0, 4), expand=False))
    return Group(*parts)


def rules_json(rules: list[Rule]) -> list[dict[str, Any]]:
    return [{"code": r.code, "name": r.name, "severity": r.severity.value,
             "apple_severity": r.apple_severity.value if r.apple_severity else None,
             "profile": r.profile, "scope": r.scope, "summary": r.summary,
             "reference": r.reference, "hint": r.hint, "module": r.module} for r in rules]


def _files(example: Example) -> list[str]:
    lines: list[str] = []
    single = len(example.files) == 1
    for name, content in example.files.items():
        if isinstance(content, bytes):
            text = content.decode("utf-8", "replace")
            if not name.endswith((".m3u8", ".m3u")) or "\ufffd" in text or "\x00" in text:
                lines.append(f"- `{name}`: {len(content)} bytes")
                continue
            if content.startswith(b"\xef\xbb\xbf"):
                lines.append(f"- `{name}` (starts with a UTF-8 byte order mark):")
                text = text.lstrip("\ufeff")
            else:
                lines.append(f"- `{name}`:")
        elif name.endswith((".m3u8", ".m3u")):
            text = content
            if not single:
                lines.append(f"- `{name}`:")
        else:
            lines.append(f"- `{name}`: {content!r}")
            continue
        fence = "```" if single else "  ```"
        body = [f"  {line}" if not single else line for line in text.rstrip("\n").split("\n")]
        lines += [fence + "m3u8", *body, fence]
    if example.probe != "none":
        lines.append(f"- checked with `--probe {example.probe}`")
    if len(example.targets) > 1 or example.targets[0] not in example.files:
        lines.append(f"- checked: {', '.join(f'`{t}`' for t in example.targets)}")
    return lines


def rules_markdown(rules: list[Rule]) -> str:
    """The rule reference, generated from the registry (docs/rules.md)."""
    out = ["# hlsinspect rules", "",
           "Generated from the rule registry by `hlsinspect rules --format markdown`; a test "
           "fails when this file is stale. Every example below is run by the test suite: it "
           "is a tree holding exactly the files shown (a single playlist is `index.m3u8`), and "
           "the first file, or the one named, is checked.", "",
           "Profiles: " + "; ".join(f"`{k}`: {v}" for k, v in PROFILES.items()) + ".", "",
           "Scopes: " + "; ".join(f"`{k}`: {v}" for k, v in SCOPES.items()) + ".", "",
           "| code | name | severity | profile | scope |", "|---|---|---|---|---|"]
    out += [f"| {r.code} | [{r.name}](#{r.code.lower()}-{r.name}) | {r.severity.value} | "
            f"{r.profile} | {r.scope} |" for r in rules]
    for r in rules:
        out += ["", f"## {r.code} {r.name}", "",
                f"{r.severity.value.capitalize()}"
                + (f" ({r.apple_severity.value} under `--rules apple`)" if r.apple_severity
                   else "")
                + f", profile `{r.profile}`, scope `{r.scope}`. Reference: {r.reference}.", "",
                r.summary]
        if r.hint:
            out += ["", f"Fix: {r.hint}."]
        for label, examples in (("Fails", r.failing), ("Passes", r.passing)):
            for example in examples:
                out += ["", f"{label}:", "", *_files(example)]
        if r.tested_by:
            out += ["", f"The failing case is shown by `{r.tested_by}`."]
    return "\n".join(out) + "\n"


def _severities(r: Rule) -> str:
    """Per profile: an apple-profile rule runs only under --rules apple."""
    if r.profile == "apple":
        return f"apple: {r.severity.value} (not run under --rules rfc)"
    return f"rfc: {r.severity.value}; apple: {(r.apple_severity or r.severity).value}"


def _indented(lines: list[str]) -> list[str]:
    return [f"    {line}" if line else "" for line in lines]


def rule_detail(r: Rule) -> str:
    """One rule in full, for `hlsinspect rules CODE`: what a reader needs without grepping
    docs/rules.md (its examples are the ones the test suite runs)."""
    out = [f"{r.code} {r.name}", "",
           textwrap.fill(r.summary, 88, initial_indent="  ", subsequent_indent="  "), "",
           f"  Severity:   {_severities(r)}",
           f"  Scope:      {r.scope} ({SCOPES[r.scope]})",
           f"  Reference:  {r.reference}",
           f"  Fix:        {r.hint or '-'}",
           f"  Defined in: {r.module or '-'}"]
    for label, examples in (("Fails", r.failing), ("Passes", r.passing)):
        for example in examples:
            body = [line.replace("```m3u8", "").replace("```", "").rstrip()
                    for line in _files(example)]
            out += ["", f"  {label}:", *_indented([b for b in body if b.strip()])]
    if r.tested_by:
        out += ["", f"  The failing case is shown by {r.tested_by}."]
    return "\n".join(out) + "\n"
