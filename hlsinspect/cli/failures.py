"""How the command line fails: one error line, a hint, an exit code, never a traceback.

Usage errors, HlsInspectError, unexpected exceptions, Ctrl-C and SIGTERM all end here, so the
exit-code contract (2 for "could not inspect", 130 for interrupted, 143 for terminated) is kept
in one place; --debug adds the traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from hlsinspect.cli.helptext import closest, plain_arguments
from hlsinspect.command import INTERRUPTED, TERMINATED, stopped_line
from hlsinspect.errors import HlsInspectError, Interrupted, Terminated

if TYPE_CHECKING:
    from hlsinspect.report import Report

T = TypeVar("T")

def stop_code(stop: BaseException) -> int:
    """130 for Ctrl-C, 143 for SIGTERM (also once the run has wrapped it in Interrupted)."""
    cause = stop.cause if isinstance(stop, Interrupted) else stop
    return TERMINATED if isinstance(cause, Terminated) else INTERRUPTED


def print_error(message: str, hint: str | None) -> None:
    """`hlsinspect: error: MESSAGE` and `hint: HINT` on stderr, each one line: credentials
    redacted, control characters escaped and no CI command in it, since the message may
    quote a URI, a key or an origin's reason phrase (render/visible.py)."""
    from hlsinspect.render.visible import visible
    from hlsinspect.uri.redact import redact

    typer.echo(f"hlsinspect: error: {visible(redact(message))}", err=True)
    if hint:
        typer.echo(f"hint: {visible(redact(hint))}", err=True)


def _option(args: list[str], *names: str) -> str | None:
    """The value the command line gave option `names` (long `--x V`, `--x=V`; short `-o V`,
    `-oV`), read before (or despite) parsing it; the last one given wins, as in click."""
    found = None
    for at, a in enumerate(args):
        n = args[at + 1] if at + 1 < len(args) else ""
        if a == "--":
            break
        for name in names:
            if a == name:
                found = n
            elif name.startswith("--") and a.startswith(name + "="):
                found = a.partition("=")[2]
            elif not name.startswith("--") and a.startswith(name) and len(a) > len(name):
                found = a[len(name):]
    return found


def _arguments(command: Any, args: list[str]) -> list[str]:
    """The arguments (TARGETs, REPORT files) among `args`, read without parsing them, as
    click would: an option that takes a value takes the next word unless given `--x=V`."""
    valued = {name for param in getattr(command, "params", [])
              if param.param_type_name == "option" and not param.is_flag and not param.count
              for name in param.opts}
    found: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            found.extend(words)
        elif word in valued:
            next(words, None)
        elif not word.startswith("-") or word == "-":
            found.append(word)
    return found


def usage_documents(args: list[str], message: str, hint: str, command: Any = None) -> None:
    """After a usage error of `check` or `merge`: the error document in the --format asked
    for (to --output FILE or stdout) and the --junit FILE, as when inspecting fails, since a
    CI job reads those files whatever went wrong. They name the targets given (`command`:
    the click command, whose options say which words are arguments)."""
    from hlsinspect.render.formats import OutputFormat
    from hlsinspect.render.json import error_report
    from hlsinspect.render.output import write_error, write_junit
    from hlsinspect.uri.redact import redact

    targets = [redact(word) for word in _arguments(command, args)]
    failed = error_report(targets, "usage", message, hint)
    wanted = _option(args, "--format") or "table"
    output, junit = _option(args, "--output", "-o"), _option(args, "--junit")
    writes: list[Callable[[], None]] = [lambda: write_junit(failed, Path(junit))] if junit else []
    if wanted in {f.value for f in OutputFormat}:
        writes.append(lambda: write_error(failed, OutputFormat(wanted),
                                          Path(output) if output else None))
    for write in writes:  # each file that can be written is
        try:
            write()
        except HlsInspectError as nested:
            print_error(nested.message, nested.hint)


class Group(TyperGroup):
    """Runs the app in non-standalone mode so usage errors and Ctrl-C follow our contract;
    shows arguments as `TARGET...` and suggests the one command a typo meant."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        plain_arguments(self.commands)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name in self.commands or name.startswith("-"):
            return super().resolve_command(ctx, args)
        meant = closest(name, self.commands)
        ctx.fail(f"no such command {name!r}" + (f"; did you mean {meant!r}?" if meant else ""))

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """The command line parsed; Ctrl-C or SIGTERM meanwhile ends it with its own exit
        code and line (typer would exit 130 silently, SIGTERM included)."""
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt as stop:
            code = stop_code(stop)
            typer.echo(stopped_line(code), err=True)
            raise typer.Exit(code) from None

    def invoke(self, ctx: Any) -> Any:
        """The command; Ctrl-C or SIGTERM outside its guard (reading the settings file)
        still ends it with its own exit code and line (typer would exit 130 silently)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            code = stop_code(stop)
            typer.echo(stopped_line(code), err=True)
            raise typer.Exit(code) from None

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", "hlsinspect")
        argv = list(args[0] if args and args[0] is not None else kwargs.get("args") or
                    sys.argv[1:])
        try:
            code = super().main(*args, **kwargs)
        except typer.Abort as abort:  # click's own word for a KeyboardInterrupt while parsing
            cause = abort.__cause__ or abort.__context__
            code = stop_code(cause) if isinstance(cause, KeyboardInterrupt) else INTERRUPTED
            typer.echo(stopped_line(code), err=True)
            sys.exit(code)
        except Exception as exc:
            # Usage errors of the click that typer runs on (vendored or not): duck-typed.
            if not hasattr(exc, "format_message"):
                raise
            context = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
                typer.echo(context.get_help(), err=True)
                sys.exit(2)
            message = exc.format_message().replace("Value error, ", "")
            command = argv[0] if argv and argv[0] in self.commands else None
            hint = (f"run 'hlsinspect {command} --help' for the options" if command else
                    "run 'hlsinspect --help' for the commands and options")
            if "'--format'" in message and "'junit'" in message.lower():
                hint = ("JUnit XML is a file written beside the report: --junit FILE "
                        "(with --format table, json, github, gitlab, markdown or html)")
            if command in ("check", "merge"):
                usage_documents(argv[1:], message, hint, self.commands[command])
            print_error(message, hint)
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


def guard(call: Callable[[], T], debug: bool,
           on_error: Callable[[HlsInspectError], None] = lambda _: None,
           on_partial: Callable[[Report], None] = lambda _: None) -> T:
    """Turn every failure into one error line (and exit 2); Ctrl-C into exit 130 and SIGTERM
    into 143, after `on_partial` has written the report of what was completed (marked
    incomplete) or, when nothing was, `on_error` the JSON document and JUnit file that CI
    expects (marked incomplete)."""
    try:
        return call()
    except KeyboardInterrupt as stop:
        code = stop_code(stop)
        with _signals_held():
            try:
                if isinstance(stop, Interrupted):
                    on_partial(stop.report)
                else:
                    on_error(HlsInspectError("interrupted before the inspection was "
                                             "complete", kind="interrupted"))
            except HlsInspectError as nested:
                print_error(nested.message, nested.hint)
        typer.echo(stopped_line(code), err=True)
        raise typer.Exit(code) from None
    except Exception as exc:
        if debug:  # redacted too: a URI in the last line may carry credentials
            from hlsinspect.uri.redact import redact

            sys.stderr.write(redact(traceback.format_exc()))
        error = exc if isinstance(exc, HlsInspectError) else HlsInspectError(
            f"unexpected {type(exc).__name__}: {exc}",
            hint="run again with --debug for the traceback", kind="internal")
        try:
            on_error(error)
        except HlsInspectError as nested:  # even the error report could not be written
            print_error(nested.message, nested.hint)
        print_error(error.message, error.hint)
        raise typer.Exit(error.exit_code) from None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM ignored while the report of a stopped run is written: CI sends
    SIGTERM a few seconds after SIGINT when a job is cancelled, and a second signal would
    cut the files short. Writing them takes a moment; SIGKILL still ends everything."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {number: signal.signal(number, signal.SIG_IGN)
            for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in held.items():
            signal.signal(number, handler)
