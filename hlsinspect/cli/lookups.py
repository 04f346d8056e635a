"""The commands that inspect nothing: `show` prints a playlist, `policy` the IAM policy
hlsinspect needs, `rules` every check. app.py registers them next to `check` and `merge`."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from hlsinspect.cli.failures import guard, print_error
from hlsinspect.cli.options import Bucket, Debug, Endpoint, Profile, Region, RulesFormat

if TYPE_CHECKING:
    from hlsinspect.checks.registry import Rule

_PRINCIPAL = re.compile(
    r"^arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z])?:(?:iam|sts)::\d{12}:"
    r"(?:root|(?:user|role|assumed-role|federated-user)/[\w+=,.@/-]+)$")
"""An IAM principal ARN a bucket policy can name: an account's root, a user, a role."""


def show(
    target: Annotated[str, typer.Argument(
        metavar="TARGET", show_default=False,
        help="One playlist: s3://BUCKET/KEY, KEY with --bucket, an http(s):// URL of a "
             "playlist on an origin or CDN, or a local file.")],
    bucket: Bucket = None,
    endpoint_url: Endpoint = None,
    profile: Profile = None,
    region: Region = None,
    debug: Debug = False,
) -> None:
    """Print one playlist's text as stored (fetched into memory, never to disk), credentials
    in its URIs shown as REDACTED."""
    from hlsinspect.engine import S3Options, read_playlist

    s3 = S3Options(profile, region, endpoint_url)
    data = guard(lambda: read_playlist(target, bucket, s3,
                                        os.environ.get("HLSINSPECT_BUCKET") or None), debug)
    start = data[:4096]
    if b"\x00" in start or start.decode("utf-8", "replace").count("\ufffd") > len(start) // 10:
        # escaped, binary data is kilobytes of \x.. that say nothing: its size and first bytes
        print_error(f"{target} is binary data ({len(data):,} bytes), not a playlist",
                    f"its first bytes: {data[:24].hex(' ')}")
        raise typer.Exit(2)
    if sys.stdout.isatty() and not data.lstrip().startswith(b"#"):
        print_error(f"{target} does not look like a playlist (binary or not #EXTM3U)",
                     "redirect the output to a file to get its bytes anyway")
        raise typer.Exit(2)
    from hlsinspect.render.visible import visible_text
    from hlsinspect.uri.redact import redact

    text = data.decode("utf-8", "surrogateescape")
    hidden = redact(text)
    shown = visible_text(hidden)
    sys.stdout.flush()
    # the exact bytes, unless they hold credentials or what a terminal or a CI log would act on
    sys.stdout.buffer.write(data if shown == text else shown.encode("utf-8"))
    sys.stdout.flush()
    if hidden != text:
        typer.echo("hlsinspect: note: credentials in the playlist's URIs are shown as REDACTED",
                   err=True)
    if shown != hidden:
        typer.echo("hlsinspect: note: control characters, undecodable bytes or CI runner "
                   "commands in the playlist are shown escaped (\\x1b, \\x3a, ...)", err=True)


def policy(
    bucket: Annotated[str, typer.Option("--bucket", "-b", metavar="BUCKET",
                                        show_default=False, help="The bucket to read (BUCKET or s3://BUCKET).")],
    principal: Annotated[str | None, typer.Option(
        "--principal", metavar="ARN", show_default=False,
        help="IAM user or role ARN (for a bucket policy).")] = None,
    iam: Annotated[bool, typer.Option(
        "--iam", help="Print an identity policy to attach to the user or role instead.")] = False,
) -> None:
    """Print the minimal read-only policy hlsinspect needs (s3:ListBucket, s3:GetObject)."""
    from hlsinspect.policy import bucket_policy, identity_policy
    from hlsinspect.uri.buckets import RULES, bucket_of, bucket_problem, legacy_name

    bucket = bucket_of(bucket)
    why = None if legacy_name(bucket) else bucket_problem(bucket)  # an old bucket's is fine
    problem = None
    if why is not None:
        problem = (f"--bucket {bucket!r} is not a valid bucket name ({why})", RULES)
    elif iam and principal:
        problem = ("--iam prints an identity policy, which names no principal",
                   "drop --principal, or drop --iam for a bucket policy")
    elif not iam and not principal:
        problem = ("a bucket policy needs --principal ARN",
                   "or pass --iam for a policy to attach to the user or role")
    elif principal and not _PRINCIPAL.match(principal):
        problem = (f"--principal {principal!r} is not an IAM user or role ARN",
                   "write arn:aws:iam::ACCOUNT_ID:user/NAME or arn:aws:iam::ACCOUNT_ID:role/NAME "
                   "(aws sts get-caller-identity prints yours)")
    if problem:
        print_error(*problem)
        raise typer.Exit(2)
    document = identity_policy(bucket) if iam else bucket_policy(bucket, str(principal))
    typer.echo(json.dumps(document, indent=2))


def rules(
    names: Annotated[list[str] | None, typer.Argument(
        metavar="CODE|NAME", show_default=False,
        help="Show these rules in full (summary, severity per profile, scope, reference, "
             "fix, failing and passing examples, defining module); none: list every rule.")
    ] = None,
    output_format: Annotated[RulesFormat, typer.Option("--format", help="Output format.")] =
        RulesFormat.table,
) -> None:
    """List every check (code, name, severity, profile, scope, summary, reference), or show
    the rules named by code or name in full."""
    from hlsinspect.checks.registry import by_code
    from hlsinspect.render.rules import render_rules, rule_detail, rules_json, rules_markdown

    listed = _named(names) if names else by_code()
    if names and output_format is RulesFormat.table:
        sys.stdout.write("\n".join(rule_detail(r) for r in listed))
        return
    if output_format is RulesFormat.json:
        typer.echo(json.dumps(rules_json(listed), indent=2))
        return
    if output_format is RulesFormat.markdown:
        sys.stdout.write(rules_markdown(listed))
        return
    from hlsinspect.render.terminal import console, emit

    out = console(sys.stdout)
    # piped (`rules | grep NAME`), a rule's code, name and severity share one line: the list
    emit(out, render_rules(listed, out.width if out.is_terminal else 0))


def _named(names: list[str]) -> list[Rule]:
    """The rules named (in the order given, each once); exit 2 naming the nearest rules for
    a token that names none."""
    from hlsinspect.checks.registry import RULES, by_code, nearest

    codes = {r.code: r for r in by_code()}
    found: list[Rule] = []
    for token in names:
        item = codes.get(token.strip().upper()) or RULES.get(token.strip().lower())
        if item is None:
            near = nearest(token)
            print_error(f"no rule named {token!r}" + (
                f"; nearest: {', '.join(near)}" if near else ""),
                "'hlsinspect rules' lists every rule; a code (HLS010) or a name "
                "(segment-missing) works")
            raise typer.Exit(2)
        if item not in found:
            found.append(item)
    return found
