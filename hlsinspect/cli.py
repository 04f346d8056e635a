"""The command line: options -> settings -> engine -> renderer -> exit code.

The only module (with render/) that prints, and the only one that exits. Every error becomes
`hlsinspect: error: ...` plus a `hint:` line and exit code 2; `--debug` adds the traceback.
"""

from __future__ import annotations

import enum
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from hlsinspect import __version__
from hlsinspect.errors import HlsInspectError
from hlsinspect.report import Report, Severity

T = TypeVar("T")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class Format(str, enum.Enum):
    table = "table"
    json = "json"


class VerifyMode(str, enum.Enum):
    auto = "auto"
    head = "head"
    list = "list"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"


class RulesProfile(str, enum.Enum):
    rfc = "rfc"
    apple = "apple"


class RulesFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class _Options:
    """Option values with the settings file filling in what the command line left out."""

    def __init__(self, ctx: typer.Context) -> None:
        self.ctx = ctx
        self._file: Any = None

    def pick(self, key: str, given: T) -> T:
        name = {"rules": "rules_profile", "verify": "verify_mode", "map": "maps"}.get(
            key, key.replace("-", "_"))
        # typer runs on a vendored click: compare the ParameterSource by name
        source = getattr(self.ctx.get_parameter_source(name), "name", "DEFAULT")
        if source != "DEFAULT":
            return given
        if self._file is None:
            from hlsinspect.config import load

            self._file = load(Path.cwd())
        value = self._file.get(key)
        return given if value is None else value


def _tokens(values: list[str]) -> list[str]:
    """Rule codes or names, given repeatedly or separated by commas."""
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def _wants_json(args: list[str]) -> bool:
    """Whether the command line asked for JSON, read before (or despite) parsing it."""
    return any(a == "--format=json" or (a == "--format" and n == "json")
               for a, n in zip(args, [*args[1:], ""], strict=True))


class _Group(TyperGroup):
    """Runs the app in non-standalone mode so usage errors and Ctrl-C follow our contract."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", "hlsinspect")
        argv = list(args[0] if args and args[0] is not None else kwargs.get("args") or
                    sys.argv[1:])
        try:
            code = super().main(*args, **kwargs)
        except typer.Abort:
            typer.echo("hlsinspect: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            # Usage errors of the click that typer runs on (vendored or not): duck-typed.
            if not hasattr(exc, "format_message"):
                raise
            context = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
                typer.echo(context.get_help(), err=True)
                sys.exit(2)
            message = exc.format_message().replace("Value error, ", "")
            command = argv[0] if argv and not argv[0].startswith("-") else None
            hint = f"run 'hlsinspect {command + ' ' if command else ''}--help' for the options"
            if command == "check" and _wants_json(argv):
                from hlsinspect.render.json import error_report, render_json

                sys.stdout.write(render_json(error_report([], "usage", message, hint)))
            _print_error(message, hint)
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Check that HLS output in S3 or on disk is complete and correct.",
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


Bucket = Annotated[str | None, typer.Option(
    "--bucket", "-b", metavar="BUCKET", show_default=False,
    help="S3 bucket for targets given as keys or prefixes (HLSINSPECT_BUCKET sets it for "
         "paths that do not exist locally).")]
Endpoint = Annotated[str | None, typer.Option(
    "--endpoint-url", metavar="URL", show_default=False,
    help="S3 endpoint (MinIO, Ceph, moto); AWS_ENDPOINT_URL works too.")]
Profile = Annotated[str | None, typer.Option(
    "--profile", metavar="NAME", show_default=False, help="AWS profile to use.")]
Region = Annotated[str | None, typer.Option(
    "--region", metavar="REGION", show_default=False, help="AWS region of the bucket.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


def _print_error(message: str, hint: str | None) -> None:
    typer.echo(f"hlsinspect: error: {message}", err=True)
    if hint:
        typer.echo(f"hint: {hint}", err=True)


def _guard(call: Callable[[], T], debug: bool,
           on_error: Callable[[HlsInspectError], None] = lambda _: None) -> T:
    """Turn every failure into one error line (and exit 2); Ctrl-C into exit 130, after
    `on_error` has written the JSON document and JUnit file that CI expects (marked
    incomplete)."""
    try:
        return call()
    except KeyboardInterrupt:
        try:
            on_error(HlsInspectError("interrupted before the inspection was complete",
                                     kind="interrupted"))
        except HlsInspectError as nested:
            _print_error(nested.message, nested.hint)
        typer.echo("hlsinspect: interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            traceback.print_exc()
        error = exc if isinstance(exc, HlsInspectError) else HlsInspectError(
            f"unexpected {type(exc).__name__}: {exc}",
            hint="run again with --debug for the traceback", kind="internal")
        try:
            on_error(error)
        except HlsInspectError as nested:  # even the error report could not be written
            _print_error(nested.message, nested.hint)
        _print_error(error.message, error.hint)
        raise typer.Exit(error.exit_code) from None


@app.command(short_help="Inspect playlists and verify every object they reference.")
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
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, max=512, metavar="N", help="Objects checked at once.")] = 32,
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] =
        Format.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the report to FILE instead of stdout.")] = None,
    junit: Annotated[Path | None, typer.Option(
        "--junit", metavar="FILE", show_default=False,
        help="Also write a JUnit XML report to FILE.")] = None,
    verify_mode: Annotated[VerifyMode, typer.Option(
        "--verify", help="How existence is established: HEAD per object, directory "
                         "listings, or auto (listings for large directories).")] =
        VerifyMode.auto,
    fail_on: Annotated[FailOn, typer.Option(
        "--fail-on", help="Lowest severity that makes the exit code 1.")] = FailOn.error,
    rules_profile: Annotated[RulesProfile, typer.Option(
        "--rules", help="Rule profile: rfc (RFC 8216 and its draft successor) or apple "
                        "(adds Apple's HLS Authoring Specification).")] = RulesProfile.rfc,
    select: Annotated[list[str] | None, typer.Option(
        "--select", metavar="RULE", show_default=False,
        help="Run only these rules (code or name; repeat, or separate with commas).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", metavar="RULE", show_default=False,
        help="Do not run these rules (code or name; repeat, or separate with commas).")] = None,
    no_progress: Annotated[bool, typer.Option(
        "--no-progress", help="No progress bar on stderr.")] = False,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", metavar="PREFIX=TARGET", show_default=False,
        help="Verify URIs under PREFIX (https://cdn.example.com/) at TARGET instead: "
             "s3://BUCKET/PATH/, http(s)://HOST/PATH/ or a local directory. Repeatable.")
    ] = None,
    debug: Debug = False,
) -> None:
    """Inspect playlists, verify every object they reference, apply the HLS rules.

    Settings may also come from .hlsinspect.toml or [tool.hlsinspect] in pyproject.toml in
    the working directory; the command line wins.
    """
    from hlsinspect.engine import S3Options, Settings, inspect
    from hlsinspect.locations import parse_maps
    from hlsinspect.render.json import error_report
    from hlsinspect.render.output import check_writable, write_json, write_junit, write_report
    from hlsinspect.uri.urls import redact
    from hlsinspect.verify import VerifySettings

    as_json = output_format is Format.json
    options = _Options(ctx)

    def settings_and_s3() -> tuple[Settings, S3Options]:
        from hlsinspect.checks import Selection

        rules = Selection.of(options.pick("rules", rules_profile.value),
                             _tokens(options.pick("select", select or [])),
                             _tokens(options.pick("ignore", ignore or [])))
        settings = Settings(
            verify=VerifySettings(mode=options.pick("verify", verify_mode.value),
                                  concurrency=options.pick("concurrency", concurrency)),
            fail_on=Severity(options.pick("fail-on", fail_on.value)), rules=rules,
            raise_errors=debug, maps=parse_maps(options.pick("map", maps or [])))
        s3 = S3Options(profile=profile, region=options.pick("region", region),
                       endpoint_url=options.pick("endpoint-url", endpoint_url))
        return settings, s3

    def on_error(exc: HlsInspectError) -> None:
        """CI still gets its JSON document and JUnit file when nothing could be inspected."""
        if exc.kind == "output":
            return
        failed = error_report([redact(t) for t in targets], exc.kind, exc.message, exc.hint)
        if junit is not None:
            write_junit(failed, junit)
        if as_json:
            write_json(failed, output)

    def run() -> Report:
        check_writable(output, junit)
        settings, s3 = settings_and_s3()
        with _progress(not no_progress) as progress:
            return inspect(targets, bucket=options.pick("bucket", bucket),
                           default_bucket=os.environ.get("HLSINSPECT_BUCKET") or None,
                           root=str(root) if root else None,
                           settings=settings, s3=s3, progress=progress)

    report = _guard(run, debug, on_error)
    _guard(lambda: write_report(report, as_json, output, junit), debug)
    raise typer.Exit(0 if report.ok else 1)


def _progress(enabled: bool) -> Any:
    from hlsinspect.render.progress import progress_bar

    return progress_bar(enabled and sys.stderr.isatty())


@app.command(short_help="Print one playlist as stored.")
def show(
    target: Annotated[str, typer.Argument(
        metavar="TARGET", show_default=False,
        help="One playlist: s3://BUCKET/KEY, KEY with --bucket, or a local file.")],
    bucket: Bucket = None,
    endpoint_url: Endpoint = None,
    profile: Profile = None,
    region: Region = None,
    debug: Debug = False,
) -> None:
    """Print one playlist's text as stored (fetched into memory, never to disk)."""
    from hlsinspect.engine import S3Options, read_playlist

    s3 = S3Options(profile, region, endpoint_url)
    data = _guard(lambda: read_playlist(target, bucket, s3,
                                        os.environ.get("HLSINSPECT_BUCKET") or None), debug)
    if sys.stdout.isatty() and (b"\x00" in data[:4096] or not data.lstrip().startswith(b"#")):
        _print_error(f"{target} does not look like a playlist (binary or not #EXTM3U)",
                     "redirect the output to a file to get its bytes anyway")
        raise typer.Exit(2)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command(short_help="Print the read-only IAM policy hlsinspect needs.")
def policy(
    bucket: Annotated[str, typer.Option("--bucket", "-b", metavar="BUCKET",
                                        show_default=False, help="The bucket to read.")],
    principal: Annotated[str | None, typer.Option(
        "--principal", metavar="ARN", show_default=False,
        help="IAM user or role ARN (for a bucket policy).")] = None,
    iam: Annotated[bool, typer.Option(
        "--iam", help="Print an identity policy to attach to the user or role instead.")] = False,
) -> None:
    """Print the minimal read-only policy hlsinspect needs (s3:ListBucket, s3:GetObject)."""
    from hlsinspect.policy import bucket_policy, identity_policy

    problem = None
    if not _BUCKET_NAME.match(bucket):
        problem = (f"{bucket!r} is not a valid S3 bucket name",
                   "3-63 characters: lower-case letters, digits, dots and hyphens")
    elif iam and principal:
        problem = ("--iam prints an identity policy, which names no principal",
                   "drop --principal, or drop --iam for a bucket policy")
    elif not iam and not principal:
        problem = ("a bucket policy needs --principal ARN",
                   "or pass --iam for a policy to attach to the user or role")
    if problem:
        _print_error(*problem)
        raise typer.Exit(2)
    document = identity_policy(bucket) if iam else bucket_policy(bucket, str(principal))
    typer.echo(json.dumps(document, indent=2))


@app.command(short_help="List every check with its code, severity and reference.")
def rules(
    output_format: Annotated[RulesFormat, typer.Option("--format", help="Output format.")] =
        RulesFormat.table,
) -> None:
    """List every check: code, name, severity, profile, scope, summary, reference."""
    from hlsinspect.checks.registry import by_code
    from hlsinspect.render.rules import render_rules, rules_json, rules_markdown

    listed = by_code()
    if output_format is RulesFormat.json:
        typer.echo(json.dumps(rules_json(listed), indent=2))
        return
    if output_format is RulesFormat.markdown:
        sys.stdout.write(rules_markdown(listed))
        return
    from hlsinspect.render.output import console_for

    console = console_for(sys.stdout)
    console.print(render_rules(listed, console.width))


def main() -> None:
    """Console-script entry point.

    After Ctrl-C (exit 130) the process ends at once: worker threads still blocked in a
    request would otherwise be joined at exit, for as long as a read timeout and its retries.
    Everything there is to say has been written and flushed by then.
    """
    try:
        app()
    except SystemExit as done:
        if done.code == 130:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise


__all__ = ["app", "main"]
