"""Where a finding is, as a CI service can point at it: a path in the checked-out repository.

GitHub annotations and GitLab Code Quality issues attach to a file of the repository only
when given its path relative to the workspace (GITHUB_WORKSPACE, CI_PROJECT_DIR). A local
playlist under the workspace is named that way; anything else (s3://, http(s)://, a file
outside the checkout) keeps its URI, which the service shows but cannot link.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


def workspace() -> Path:
    """The checkout CI runs in: GitHub's or GitLab's variable, else the working directory."""
    for name in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = os.environ.get(name)
        if value:
            return Path(value)
    return Path.cwd()


def in_workspace(uri: str | None, root: Path) -> str | None:
    """The path of local file `uri` relative to `root` (POSIX separators), or None when
    `uri` is not a local file under `root`."""
    if not uri or "://" in uri or not os.path.isabs(uri):
        return None
    for base in dict.fromkeys((root, root.resolve())):  # GITHUB_WORKSPACE may be a symlink
        try:
            relative = Path(uri).relative_to(base)
        except ValueError:
            continue
        return PurePosixPath(*relative.parts).as_posix()
    return None


def place(uri: str | None, root: Path) -> str:
    """`uri` relative to the workspace when it is a file there, else `uri` itself."""
    return in_workspace(uri, root) or uri or ""
