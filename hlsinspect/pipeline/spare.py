"""The listing process of `pipeline.apart`, started before its job is known.

An audit of an S3 prefix lists its titles in a second process, whose start (an interpreter,
botocore, a client: about 0.25 s) is a quarter of a small audit's time. So the command's
entry point guesses from its raw arguments, before importing the command line, whether it
will audit an S3 prefix (`command.audits_s3_prefix`) and starts the process at once
(`prestart`); the first `Apart` takes it. A wrong guess costs a process that ends unused,
never a result. Standard library only: it runs before the rest of hlsinspect is imported.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading

_spare: subprocess.Popen[bytes] | None = None
"""A child started before its job was known (`prestart`), waiting for it."""
_spare_lock = threading.Lock()


def prestart() -> None:
    """Start the child now. It waits for its job on stdin; the first Apart takes it, and
    one nobody takes is ended at exit (it reads an empty job and ends on its own when this
    process goes away in any other way)."""
    global _spare
    with _spare_lock:
        if _spare is None:
            _spare = spawn()
            atexit.register(discard)


def spawn() -> subprocess.Popen[bytes]:
    """The child, in a session of its own: a Ctrl-C or a SIGTERM sent to the terminal's or
    the CI job's process group is this process's to handle (it stops the child, and
    reports), not the child's, which may still be importing and would print a traceback.
    The child also ends on its own when this process goes away (`_orphaned`, or an empty
    job read when its stdin closes)."""
    return subprocess.Popen([sys.executable, "-m", "hlsinspect.pipeline.apart"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_child_env(),
                            start_new_session=True)


def take() -> subprocess.Popen[bytes] | None:
    """The prestarted child, if there is one still waiting."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare.poll() is not None:  # it died waiting: start anew
        _close(spare)
        return None
    return spare


def discard() -> None:
    spare = take()
    if spare is not None:
        spare.kill()
        _close(spare)


def _close(child: subprocess.Popen[bytes]) -> None:
    child.wait()
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()


def _child_env() -> dict[str, str]:
    """This environment, with this copy of hlsinspect first on the child's path and
    glibc's allocator told to keep few arenas."""
    env = dict(os.environ)
    # glibc gives each thread that allocates an arena of its own (up to 8 a core), which
    # keeps what it freed: the window of threads listing titles here left the process 8 MB
    # larger (65 against 57 MB at 90,400 objects) for no speed; two arenas are enough
    env.setdefault("MALLOC_ARENA_MAX", "2")
    home = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (home, env.get("PYTHONPATH")) if p)
    return env
