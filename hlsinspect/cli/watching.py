"""`hlsinspect watch`: follow live playlists, then the report of what was seen."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from hlsinspect.cli.delivery import deliver
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
    Ignore,
    Junit,
    Output,
    OutputFormat,
    Profile,
    Quiet,
    Region,
    RulesProfile,
    Select,
    tokens,
)
from hlsinspect.report import Report, Severity

if TYPE_CHECKING:
    from hlsinspect.render.terminal import Terminal

EPILOG = ("Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 nothing could be "
          "watched (a bad option, no such bucket, no credentials, the endpoint unreachable, "
          "the playlist unreadable at the start); 130 interrupted (Ctrl-C), 143 terminated "
          "(SIGTERM), each after writing the report of what was seen until then.")


def watch(
    ctx: typer.Context,
    targets: Annotated[list[str], typer.Argument(
        metavar="TARGET", show_default=False,
        help="A live playlist as for check: s3://BUCKET/KEY.m3u8, a KEY with --bucket, an "
             "http(s):// URL or a local file; a multivariant playlist brings all its "
             "renditions.")],
    duration: Annotated[str | None, typer.Option(
        "--duration", metavar="DURATION", show_default=False,
        help="Stop after this long (10m, 2h, 90s or seconds). Without it, the watch runs "
             "until every playlist has ended, or Ctrl-C.")] = None,
    until_endlist: Annotated[bool, typer.Option(
        "--until-endlist", help="Stop as soon as every media playlist carries "
                                "EXT-X-ENDLIST (within --duration, if given).")] = False,
    interval: Annotated[str, typer.Option(
        "--interval", metavar="auto|SECONDS",
        help="Time between reloads of a playlist: auto reloads as a client does, once per "
             "target duration, after half of it when nothing changed (a low-latency playlist "
             "on an HTTP origin: with blocking reloads for each next part). SECONDS polls "
             "every playlist at that pace.")] = "auto",
    bucket: Bucket = None,
    concurrency: Concurrency = 32,
    endpoint_url: Endpoint = None,
    profile: Profile = None,
    region: Region = None,
    output_format: OutputFormat = Format.table,
    output: Output = None,
    junit: Junit = None,
    fail_on: FailOnOption = FailOn.error,
    rules_profile: Annotated[RulesProfile, typer.Option(
        "--rules", help="Rule profile: rfc or apple.")] = RulesProfile.rfc,
    select: Select = None,
    ignore: Ignore = None,
    no_progress: Annotated[bool, typer.Option(
        "--no-progress", help="No live view on stderr.")] = False,
    color: ColorOption = Color.auto,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Follow live playlists over time: reload each as a client does, check every snapshot
    (its new segments with a HEAD each) and what changes between snapshots.

    On a terminal a live view shows each rendition; the report comes at the end, in any
    format of check (JSON adds a timeline of what happened).
    """
    from hlsinspect.checks import Selection
    from hlsinspect.errors import UsageError
    from hlsinspect.live.watch import Watch
    from hlsinspect.render.live_view import live_view
    from hlsinspect.settings import Settings, VerifySettings, parse_duration
    from hlsinspect.storage.factory import S3Options
    from hlsinspect.uri.redact import redact

    options = FromFile(ctx)

    def seconds() -> float | None:
        if interval.strip().lower() == "auto":
            return None
        try:
            value = float(interval)
        except ValueError:
            value = -1.0
        if not 0 < value <= 3600:
            raise UsageError(f"--interval {interval!r} is not auto or a number of seconds",
                             hint="write auto, or seconds between 0 and 3600 such as 2 or 0.5")
        return value

    def run() -> Report:
        rules = Selection.of(options.pick("rules", rules_profile.value),
                             tokens(options.pick("select", select or [])),
                             tokens(options.pick("ignore", ignore or [])))
        settings = Settings(
            verify=VerifySettings(concurrency=options.pick("concurrency", concurrency)),
            fail_on=Severity(options.pick("fail-on", fail_on.value)), rules=rules,
            raise_errors=debug)
        limit = parse_duration(duration, "--duration") if duration is not None else None
        if limit == 0:
            raise UsageError("--duration 0 would watch nothing", hint="write 10m, 90s, ...")
        session = Watch(targets, limit, until_endlist, seconds(),
                        bucket=options.pick("bucket", bucket),
                        default_bucket=os.environ.get("HLSINSPECT_BUCKET") or None,
                        settings=settings,
                        s3=S3Options(profile=profile, region=options.pick("region", region),
                                     endpoint_url=endpoint_url))
        with live_view(session, not (no_progress or quiet), color.value):
            return session.run()

    deliver(run, [redact(t) for t in targets], output_format=output_format, output=output,
            junit=junit, debug=debug, terminal=_terminal(color, quiet),
            judged_by=lambda: Severity(options.pick("fail-on", fail_on.value)))


def _terminal(color: Color, quiet: bool) -> Terminal:
    from hlsinspect.render.terminal import Terminal

    return Terminal(color.value, quiet)


__all__ = ["EPILOG", "watch"]
