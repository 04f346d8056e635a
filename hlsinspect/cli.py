"""The command line: options -> settings -> engine -> renderer -> exit code.

The only module (with render/) that prints, and the only one that exits. Every error becomes
`hlsinspect: error: ...` plus a `hint:` line and exit code 2; `--debug` adds the traceback.
"""

from __future__ import annotations

import enum
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from typer.core import TyperGroup

from hlsinspect import __version__
from hlsinspect.errors import HlsInspectError, UsageError
from hlsinspect.report import Report, Severity

T = TypeVar("T")


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


class _Group(TyperGroup):
    """Runs the app in non-standalone mode so usage errors and Ctrl-C follow our contract."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", "hlsinspect")
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
            else:
                _print_error(exc.format_message(), "run 'hlsinspect --help' for the options")
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
    "--bucket", "-b", envvar="HLSINSPECT_BUCKET",
    help="S3 bucket for targets given as keys or prefixes.")]
Endpoint = Annotated[str | None, typer.Option(
    "--endpoint-url", help="S3 endpoint (MinIO, Ceph, moto); AWS_ENDPOINT_URL works too.")]
Profile = Annotated[str | None, typer.Option("--profile", help="AWS profile to use.")]
Region = Annotated[str | None, typer.Option("--region", help="AWS region of the bucket.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


def _print_error(message: str, hint: str | None) -> None:
    typer.echo(f"hlsinspect: error: {message}", err=True)
    if hint:
        typer.echo(f"hint: {hint}", err=True)


def _guard(call: Callable[[], T], debug: bool, on_error: Callable[[HlsInspectError], None]) -> T:
    """Turn every failure into one error line (and exit 2); Ctrl-C into exit 130."""
    try:
        return call()
    except KeyboardInterrupt:
        typer.echo("hlsinspect: interrupted", err=True)
        raise typer.Exit(130) from None
    except HlsInspectError as exc:
        if debug:
            traceback.print_exc()
        on_error(exc)
        _print_error(exc.message, exc.hint)
        raise typer.Exit(exc.exit_code) from None
    except Exception as exc:
        if debug:
            traceback.print_exc()
        error = HlsInspectError(f"unexpected {type(exc).__name__}: {exc}",
                                hint="run again with --debug for the traceback",
                                kind="internal")
        on_error(error)
        _print_error(error.message, error.hint)
        raise typer.Exit(2) from None


@app.command()
def check(
    targets: Annotated[list[str], typer.Argument(
        help="s3://BUCKET/KEY.m3u8, s3://BUCKET/PREFIX/, a KEY or PREFIX with --bucket, "
             "or a local file or directory.", show_default=False)],
    bucket: Bucket = None,
    endpoint_url: Endpoint = None,
    profile: Profile = None,
    region: Region = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, max=512, help="Objects checked at once.")] = 32,
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] =
        Format.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to FILE instead of stdout.")] = None,
    junit: Annotated[Path | None, typer.Option(
        "--junit", help="Also write a JUnit XML report to FILE.")] = None,
    verify_mode: Annotated[VerifyMode, typer.Option(
        "--verify", help="How existence is established: HEAD per object, directory "
                         "listings, or auto (listings for large directories).")] =
        VerifyMode.auto,
    fail_on: Annotated[FailOn, typer.Option(
        "--fail-on", help="Lowest severity that makes the exit code 1.")] = FailOn.error,
    no_progress: Annotated[bool, typer.Option(
        "--no-progress", help="No progress bar on stderr.")] = False,
    debug: Debug = False,
) -> None:
    """Inspect playlists, verify every referenced object, apply the HLS rules."""
    from hlsinspect.engine import S3Options, Settings, inspect
    from hlsinspect.render.json import render_error_json
    from hlsinspect.verify import VerifySettings

    settings = Settings(
        verify=VerifySettings(mode=verify_mode.value, concurrency=concurrency),
        fail_on=Severity(fail_on.value),
    )
    s3 = S3Options(profile=profile, region=region, endpoint_url=endpoint_url)

    def on_error(exc: HlsInspectError) -> None:
        if output_format is Format.json:
            _emit(render_error_json(list(targets), exc.kind, exc.message, exc.hint), output)

    def run() -> Report:
        with _progress(not no_progress) as progress:
            return inspect(targets, bucket=bucket, settings=settings, s3=s3, progress=progress)

    report = _guard(run, debug, on_error)
    _write_report(report, output_format, output, junit)
    raise typer.Exit(0 if report.ok else 1)


def _write_report(report: Report, output_format: Format, output: Path | None,
                  junit: Path | None) -> None:
    from hlsinspect.render.json import render_json

    if junit is not None:
        from hlsinspect.render.junit import render_junit

        junit.write_text(render_junit(report), encoding="utf-8")
    if output_format is Format.json:
        _emit(render_json(report), output)
        return
    from hlsinspect.render.table import print_table

    if output is None:
        print_table(report, _console(sys.stdout))
    else:
        with output.open("w", encoding="utf-8") as handle:
            print_table(report, Console(file=handle, width=160, no_color=True))


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _console(stream: Any) -> Console:
    """Wide when writing to a pipe or a CI log, so URIs are not folded."""
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(file=stream, width=None if is_tty else 160, highlight=False)


def _progress(enabled: bool) -> Any:
    from hlsinspect.render.progress import progress_bar

    return progress_bar(enabled and sys.stderr.isatty())


@app.command()
def show(
    target: Annotated[str, typer.Argument(help="One playlist: s3://BUCKET/KEY, KEY with "
                                               "--bucket, or a local file.", show_default=False)],
    bucket: Bucket = None,
    endpoint_url: Endpoint = None,
    profile: Profile = None,
    region: Region = None,
    debug: Debug = False,
) -> None:
    """Print one playlist's text as stored (fetched into memory, never to disk)."""
    from hlsinspect.engine import S3Options, read_playlist

    data = _guard(lambda: read_playlist(target, bucket, S3Options(profile, region, endpoint_url)),
                  debug, lambda _: None)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command()
def policy(
    bucket: Annotated[str, typer.Option("--bucket", "-b", help="The bucket to read.",
                                        show_default=False)],
    principal: Annotated[str | None, typer.Option(
        "--principal", help="IAM user or role ARN (for a bucket policy).")] = None,
    iam: Annotated[bool, typer.Option(
        "--iam", help="Print an identity policy to attach to the user or role instead.")] = False,
) -> None:
    """Print the minimal read-only policy hlsinspect needs (s3:ListBucket, s3:GetObject)."""
    from hlsinspect.policy import bucket_policy, identity_policy

    if not iam and not principal:
        _print_error("a bucket policy needs --principal ARN",
                     "or pass --iam for a policy to attach to the user or role")
        raise typer.Exit(2)
    document = identity_policy(bucket) if iam else bucket_policy(bucket, str(principal))
    typer.echo(json.dumps(document, indent=2))


@app.command()
def rules(
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] =
        Format.table,
) -> None:
    """List every check: code, name, severity, summary, reference."""
    from hlsinspect.checks.registry import RULES

    if output_format is Format.json:
        typer.echo(json.dumps([
            {"code": r.code, "name": r.name, "severity": r.severity.value,
             "summary": r.summary, "reference": r.reference} for r in RULES.values()
        ], indent=2))
        return
    from rich.table import Table

    table = Table(title="hlsinspect rules", title_justify="left")
    for column in ("Code", "Name", "Severity", "Summary", "Reference"):
        table.add_column(column, overflow="fold")
    for r in RULES.values():
        table.add_row(r.code, r.name, r.severity.value, r.summary, r.reference)
    _console(sys.stdout).print(table)


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["UsageError", "app", "main"]
