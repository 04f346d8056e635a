"""The command line: options -> settings -> engine -> renderer -> exit code.

The only package (with render/) that prints, and the only one that exits. Every error becomes
`hlsinspect: error: ...` plus a `hint:` line and exit code 2; `--debug` adds the traceback
(see failures.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hlsinspect.cli import lookups, watching
from hlsinspect.cli.delivery import deliver
from hlsinspect.cli.failures import Group
from hlsinspect.cli.options import (
    Bucket,
    Color,
    ColorOption,
    Concurrency,
    Debug,
    Endpoint,
    FailOn,
    FailOnOption,
    Format,
    FromFile,
    Html,
    Ignore,
    Junit,
    LaddersChoice,
    LaddersOption,
    Output,
    OutputFormat,
    ProbeMode,
    Profile,
    Quiet,
    Region,
    RulesProfile,
    Select,
    VerifyMode,
    tokens,
)
from hlsinspect.report import Report, Severity
from hlsinspect.version import __version__

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Check that HLS output in S3, on an HTTP(S) origin or on disk is complete and correct.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hlsinspect {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Check that HLS output in S3 or on disk is complete and correct."""


_EXIT_CODES = ("Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 nothing "
               "could be inspected (a bad option, no such bucket, no credentials, the endpoint "
               "unreachable, the playlist unreadable, no playlist under the prefix); 130 "
               "interrupted (Ctrl-C), 143 terminated (SIGTERM), each after writing the report "
               "of what was completed, marked incomplete.")


@app.command(short_help="Inspect playlists and verify every object they reference.",
             epilog=_EXIT_CODES)
def check(
    ctx: typer.Context,
    targets: Annotated[list[str], typer.Argument(
        metavar="TARGET", show_default=False,
        help="s3://BUCKET/KEY.m3u8, s3://BUCKET/PREFIX/, a KEY or PREFIX with --bucket, "
             "an http(s):// URL of a playlist, or a local file or directory.")],
    bucket: Bucket = None,
    endpoint_url: Endpoint = None,
    profile: Profile = None,
    region: Region = None,
    root: Annotated[Path | None, typer.Option(
        "--root", metavar="DIR", show_default=False,
        help="Local directory that plays the bucket: references may climb up to it "
             "(default: the target directory, or a file target's directory).")] = None,
    concurrency: Concurrency = 32,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, max=3600, metavar="SECONDS",
        help="A total deadline per request (connect, headers and body): a server that "
             "answers slower is cut there.")] = 60.0,
    output_format: OutputFormat = Format.table,
    output: Output = None,
    junit: Junit = None,
    html: Html = None,
    verify_mode: Annotated[VerifyMode, typer.Option(
        "--verify", help="How existence is established: HEAD per object, directory "
                         "listings, or auto (listings for large directories).")] =
        VerifyMode.auto,
    fail_on: FailOnOption = FailOn.error,
    rules_profile: Annotated[RulesProfile, typer.Option(
        "--rules", help="Rule profile: rfc (RFC 8216 and its draft successor) or apple "
                        "(adds Apple's HLS Authoring Specification).")] = RulesProfile.rfc,
    select: Select = None,
    ignore: Ignore = None,
    no_progress: Annotated[bool, typer.Option(
        "--no-progress", help="No progress bar on stderr.")] = False,
    color: ColorOption = Color.auto,
    quiet: Quiet = False,
    ladders: LaddersOption = None,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", metavar="PREFIX=TARGET", show_default=False,
        help="Verify URIs under PREFIX (https://cdn.example.com/) at TARGET instead: "
             "s3://BUCKET/PATH/, http(s)://HOST/PATH/ or a local directory. Repeatable.")
    ] = None,
    inventory: Annotated[str | None, typer.Option(
        "--inventory", metavar="S3_MANIFEST_URI", show_default=False,
        help="Find playlists and settle existence from this S3 Inventory (its manifest.json, "
             "or that folder) instead of listing the bucket; keys it lacks get one HEAD.")
    ] = None,
    inventory_max_age: Annotated[str, typer.Option(
        "--inventory-max-age", metavar="DURATION",
        help="Refuse an --inventory older than this (36h, 2d, 90m or seconds; 0: any "
             "age): an object deleted after it was made would pass unseen.")] = "2d",
    shard: Annotated[str | None, typer.Option(
        "--shard", metavar="K/N", show_default=False,
        help="Inspect only worker K's share of N of the titles (a CI matrix, a batch array "
             "job); combine the N JSON reports with hlsinspect merge.")] = None,
    probe: Annotated[ProbeMode, typer.Option(
        "--probe", help="Look inside segments with ranged reads of their head and tail: "
                        "none, a sample of each playlist (first, last and a spread of 8), "
                        "or all.")] = ProbeMode.none,
    probe_tolerance: Annotated[float, typer.Option(
        "--probe-tolerance", metavar="SECONDS", min=0, max=60,
        help="How far a probed segment's media duration may stray from its EXTINF before "
             "it is a finding.")] = 0.5,
    debug: Debug = False,
) -> None:
    """Inspect playlists, verify every object they reference, apply the HLS rules.

    Settings may also come from .hlsinspect.toml or [tool.hlsinspect] in pyproject.toml in
    the working directory; the command line wins.
    """
    from hlsinspect.engine import S3Options, Settings, inspect
    from hlsinspect.locations import parse_maps
    from hlsinspect.settings import ProbeSettings, Shard, VerifySettings, parse_duration
    from hlsinspect.uri.redact import redact

    options = FromFile(ctx)

    def settings_and_s3() -> tuple[Settings, S3Options]:
        from hlsinspect.checks import Selection

        rules = Selection.of(options.pick("rules", rules_profile.value),
                             tokens(options.pick("select", select or [])),
                             tokens(options.pick("ignore", ignore or [])))
        settings = Settings(
            verify=VerifySettings(mode=options.pick("verify", verify_mode.value),
                                  concurrency=options.pick("concurrency", concurrency),
                                  timeout=float(options.pick("timeout", timeout))),
            fail_on=Severity(options.pick("fail-on", fail_on.value)), rules=rules,
            raise_errors=debug, maps=parse_maps(options.pick("map", maps or [])),
            shard=Shard.parse(shard) if shard is not None else None,
            inventory=options.pick("inventory", inventory),
            inventory_max_age=parse_duration(
                options.pick("inventory-max-age", inventory_max_age), "--inventory-max-age"),
            probe=ProbeSettings.of(options.pick("probe", probe.value),
                                   float(options.pick("probe-tolerance", probe_tolerance))))
        s3 = S3Options(profile=profile, region=options.pick("region", region),
                       endpoint_url=endpoint_url)
        return settings, s3

    def run() -> Report:
        settings, s3 = settings_and_s3()
        with _progress(not (no_progress or quiet), color) as progress:
            return inspect(targets, bucket=options.pick("bucket", bucket),
                           default_bucket=os.environ.get("HLSINSPECT_BUCKET") or None,
                           root=str(root) if root else None,
                           settings=settings, s3=s3, progress=progress)

    deliver(run, [redact(t) for t in targets], output_format=output_format,
            output=output, junit=junit, debug=debug,
            terminal=_terminal(color, quiet, ladders),
            judged_by=lambda: Severity(options.pick("fail-on", fail_on.value)),
            shard=lambda: Shard.parse(shard).pair if shard is not None else None, html=html)


def _progress(enabled: bool, color: Color) -> Any:
    """The progress bar, on a terminal; no bar, and no import of rich for one, otherwise."""
    if not (enabled and sys.stderr.isatty()):
        return contextlib.nullcontext(None)
    from hlsinspect.render.progress import progress_bar

    return progress_bar(True, color.value)


def _terminal(color: Color, quiet: bool, ladders: LaddersChoice | None = None) -> Any:
    from hlsinspect.render.terminal import Terminal

    return Terminal(color.value, quiet, ladders.value if ladders is not None else None)


@app.command("merge", short_help="Combine the JSON reports of a sharded check into one.",
             epilog="Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 "
                    "nothing could be merged (a bad option, a report unreadable or not "
                    "hlsinspect's, shards that do not fit together); 130 interrupted, 143 "
                    "terminated (SIGTERM).")
def merge_reports(
    reports: Annotated[list[Path], typer.Argument(
        metavar="REPORT.json", show_default=False,
        help="JSON reports of 'hlsinspect check --format json --output FILE', such as the "
             "reports of every --shard K/N of one audit.")],
    output_format: OutputFormat = Format.table,
    output: Output = None,
    junit: Junit = None,
    html: Html = None,
    fail_on: Annotated[FailOn | None, typer.Option(
        "--fail-on", show_default=False,
        help="Lowest severity that makes the exit code 1 (default: the strictest "
             "threshold the reports were judged by).")] = None,
    color: ColorOption = Color.auto,
    quiet: Quiet = False,
    ladders: LaddersOption = None,
    allow_partial: Annotated[bool, typer.Option(
        "--allow-partial", help="Merge even when shards are missing; each missing shard "
                                "is a shard-missing error in the report.")] = False,
    debug: Debug = False,
) -> None:
    """Combine JSON reports, such as those of every --shard K/N of one audit, into one report.

    Refuses (exit 2) a file that is not an hlsinspect JSON report, shards of different
    splits, a shard given twice, or a shard missing (unless --allow-partial).
    """
    from hlsinspect.merge import load, merge

    def run() -> Report:
        loaded = [load(path) for path in reports]
        return merge(loaded, allow_partial=allow_partial,
                     fail_on=Severity(fail_on.value) if fail_on is not None else None)

    deliver(run, [str(path) for path in reports], output_format=output_format,
            output=output, junit=junit, debug=debug,
            terminal=_terminal(color, quiet, ladders),
            judged_by=lambda: Severity(fail_on.value if fail_on else "error"), html=html)


app.command(short_help="Follow live playlists over time, checking every reload.",
            epilog=watching.EPILOG)(watching.watch)
app.command(short_help="Print one playlist as stored.")(lookups.show)
app.command(short_help="Print the read-only IAM policy hlsinspect needs.")(lookups.policy)
app.command(short_help="List every check with its code, severity and reference.")(lookups.rules)


@app.command(short_help="Print the JSON Schema of the JSON report.")
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the JSON report, every member described."""
    from hlsinspect.schema import schema_text

    sys.stdout.write(schema_text())
