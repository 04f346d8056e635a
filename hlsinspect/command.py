"""The `hlsinspect` command's entry point (and `python -m hlsinspect`'s), kept light so that
signals are handled from the first moment.

Importing the command line (typer, rich, the engine's options) takes tens of milliseconds; a
Ctrl-C or SIGTERM meanwhile, or in any gap between the command's own guards, must still end the
run with 130 or 143 and one line, never a Python traceback. So this module imports nothing
heavy, sets SIGTERM's handler first, and catches a stop anywhere around the command. It also
starts an S3 prefix audit's listing process before that import (`pipeline.spare`).

A stop can also land where Python cannot raise it: in a weak reference's callback (each import
runs one as it ends) or an object's finaliser. Python prints "Exception ignored in ...", a
traceback, and goes on as if no key had been pressed. The command takes such a stop off that
path (`sys.unraisablehook`) and raises it again a moment later, where it ends the run as any
other stop does.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from typing import Any

from hlsinspect.errors import Terminated
from hlsinspect.uri.suffixes import PLAYLIST_SUFFIXES

INTERRUPTED, TERMINATED = 130, 143
"""Exit codes of a run stopped by Ctrl-C (SIGINT) and by SIGTERM: 128 + the signal."""


def terminate(signum: int, frame: object) -> None:
    """SIGTERM's handler: the run stops as on Ctrl-C, with Terminated for exit code 143."""
    raise Terminated()


def stopped_line(code: int) -> str:
    return "hlsinspect: terminated" if code == TERMINATED else "hlsinspect: interrupted"


def audits_s3_prefix(args: list[str]) -> bool:
    """Whether the arguments look like `check` of an S3 prefix (not of one playlist), whose
    titles a second process lists: a guess read from the raw arguments, to start that process
    before the command line is even imported (`pipeline.spare`)."""
    if "check" not in args or any(a in ("--help", "-h") for a in args):
        return False
    return any((a.startswith("s3://") and not a.lower().endswith(PLAYLIST_SUFFIXES))
               or a == "--bucket" or a.startswith("--bucket=") for a in args)


_held: list[KeyboardInterrupt] = []
"""A stop Python could not raise where it landed, until it is raised again."""

_AGAIN_AFTER = 0.001
"""Seconds until a held stop is raised again: long enough for the callback it landed in to
return, short enough to be the same moment to whoever pressed the key."""


def _raise_held(signum: int, frame: object) -> None:
    """SIGALRM's handler while a stop is held: raise it, as the signal's own handler would;
    unless that signal is ignored by now (a stopped run writing its report ignores a second
    stop, `cli.failures`), when it is dropped as the signal itself would be."""
    if not _held:
        return
    stop = _held.pop()
    number = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
    if signal.getsignal(number) is signal.SIG_IGN:
        return
    raise Terminated() if isinstance(stop, Terminated) else KeyboardInterrupt()


def _hold(stop: KeyboardInterrupt) -> bool:
    """Raise `stop` again in a moment, from a one-shot timer; False where that cannot be done
    (no timers on this platform, not the main thread, SIGALRM in use by the caller)."""
    if not hasattr(signal, "setitimer"):
        return False
    try:
        if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, _raise_held):
            return False
        signal.signal(signal.SIGALRM, _raise_held)
    except ValueError:  # not the main thread
        return False
    _held[:] = [stop]
    signal.setitimer(signal.ITIMER_REAL, _AGAIN_AFTER)
    return True


def _unraisable_stop(unraisable: Any) -> None:
    """sys.unraisablehook while the command runs: a stop swallowed by a callback is held and
    raised again; anything else is reported as Python would."""
    stop = unraisable.exc_value
    if isinstance(stop, KeyboardInterrupt) and _hold(stop):
        return
    sys.__unraisablehook__(unraisable)


def _settle() -> None:
    """The timer off; a stop still held is raised here, so the run ends as stopped."""
    if _held:
        signal.setitimer(signal.ITIMER_REAL, 0)
        stop = _held.pop()
        raise Terminated() if isinstance(stop, Terminated) else KeyboardInterrupt()


def _run() -> int | str | None:
    """The command, its exit code returned rather than raised."""
    try:
        if audits_s3_prefix(sys.argv[1:]):
            from hlsinspect.pipeline import spare

            spare.prestart()  # its start overlaps this one's imports
        from hlsinspect.cli.app import app

        app()
    except SystemExit as done:
        return done.code
    return 0


def _leave(code: int | str | None) -> None:
    """Exit with `code`. After a stop (130, 143) the process ends at once: worker threads
    still blocked in a request would otherwise be joined at exit, for as long as a read
    timeout and its retries. After a run, when this process is the command itself, it ends
    without the interpreter's teardown (`_quickly`)."""
    if isinstance(code, int) and code in (INTERRUPTED, TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if _the_command():
        _quickly(code)
    sys.exit(code)


def _the_command() -> bool:
    """Whether this process is the command (`python -m hlsinspect`, or the `hlsinspect`
    script), rather than a program that called `main()` and goes on after its SystemExit,
    or a profiler or tracer running it (they write what they found after it returns)."""
    top = sys.modules.get("__main__")
    spec = getattr(top, "__spec__", None)
    if spec is not None:
        return bool(spec.name == "hlsinspect.__main__")
    script = os.path.basename(getattr(top, "__file__", None) or "")
    return script in ("hlsinspect", "hlsinspect.exe", "hlsinspect-script.py")


def _quickly(code: int | str | None) -> None:
    """End without the interpreter's teardown: freeing every object of the run one by one is
    all it would do (40-60 ms after one title of 900 segments, more after an audit). The
    exit functions (a listing process to discard, finalisers) run here, the output is
    flushed, and the process ends; should the flush fail (a closed pipe), Python's own exit
    reports it as it always has."""
    if isinstance(code, str):  # as sys.exit("...") does
        sys.stderr.write(code + "\n")
        code = 1
    status = 0 if code is None else code
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # AttributeError: no stdout at all
        sys.exit(status)
    os._exit(status)


def _stop_in(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM `error` is, or wraps: Python 3.10 and 3.11 wrap an exception
    raised while a class is being made (in `__set_name__`, as a module loads) in a
    RuntimeError, so a signal during an import can arrive as one."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _default_signals() -> None:
    """SIGINT and SIGTERM back to their default effect, both at once: one that arrives in
    between is held and then ends the process by itself."""
    both = {signal.SIGINT, signal.SIGTERM}
    masking = hasattr(signal, "pthread_sigmask")
    if masking:
        signal.pthread_sigmask(signal.SIG_BLOCK, both)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if masking:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, both)


def main() -> None:
    """Console-script entry point (also `python -m hlsinspect`).

    SIGTERM (a cancelled or timed-out CI job) stops a run as Ctrl-C does. A stop the command
    did not turn into its exit code itself (while importing, before the command line is parsed,
    or while leaving) ends it here with its line. Once the command is done, a signal has its
    default effect, so none can interrupt the exit.
    """
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable_stop
    signal.signal(signal.SIGTERM, terminate)
    try:
        try:
            code = _run()
            _settle()
            _default_signals()
        except (KeyboardInterrupt, RuntimeError) as error:  # Terminated is a KeyboardInterrupt
            stop = _stop_in(error)
            if stop is None:
                raise
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if hasattr(signal, "setitimer"):
                signal.setitimer(signal.ITIMER_REAL, 0)
            _held.clear()
            code = TERMINATED if isinstance(stop, Terminated) else INTERRUPTED
            sys.stderr.write(stopped_line(code) + "\n")
    finally:
        sys.unraisablehook = previous_hook
    _leave(code)
