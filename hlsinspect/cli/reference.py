"""docs/cli.md, the command-line reference, made from the `--help` of every command.

    python -m hlsinspect.cli.reference docs/cli.md

The help is rendered at a fixed width, 80 columns, the width hlsinspect wraps its help at
through a pipe (and in a terminal of that size), and without colour, so the file is the same
on every machine and what a user sees; a test compares it with what this module makes now,
and fails when a command or an option changed and the file was not made again.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

WIDTH = 80
PROGRAM = "hlsinspect"
HEADER = f"""# {PROGRAM} command-line reference

Every command's `--help`, as `{PROGRAM}` prints it at {WIDTH} columns: through a
pipe, or in a terminal of that width (a wider one gets longer lines). This file
is generated: after changing a command or an option, make it again with

```sh
python -m hlsinspect.cli.reference docs/cli.md
```

(a test fails while it is out of date). The README tells the story; this is the
reference.
"""


def _context(command: Any, name: str, parent: Any = None) -> Any:
    """A context that lays help out as click does on a WIDTH-column terminal (it keeps the
    last two columns free), whatever the terminal is."""
    settings = {**command.context_settings, "terminal_width": WIDTH - 2,
                "max_content_width": WIDTH}
    return command.context_class(command, parent=parent, info_name=name, **settings)


def _app() -> Any:
    from hlsinspect.cli.app import app

    return app


def commands() -> dict[str, Any]:
    """Every command of the program, by name, in the order its help lists them."""
    from typer.main import get_command

    root: Any = get_command(_app())
    return dict(root.commands)


def render() -> str:
    """The whole reference: the program's help, then each command's."""
    from typer.main import get_command

    root = get_command(_app())
    top = _context(root, PROGRAM)
    parts = [HEADER, _section(PROGRAM, root.get_help(top))]
    for name, command in commands().items():
        help_text = command.get_help(_context(command, name, top))
        parts.append(_section(f"{PROGRAM} {name}", help_text))
    return "\n".join(parts)


def _section(title: str, help_text: str) -> str:
    lines = "\n".join(line.rstrip() for line in help_text.splitlines())
    return f"## {title}\n\n```text\n{lines}\n```\n"


def main(argv: list[str] | None = None) -> None:
    """Write the reference to the path given (docs/cli.md), or to stdout without one."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if not args:
        sys.stdout.write(text)
        return
    Path(args[0]).write_text(text, encoding="utf-8")
    print(f"wrote {args[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
