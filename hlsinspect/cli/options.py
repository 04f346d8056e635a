"""The options the commands share, their choices, and the settings file filling in what the
command line leaves out."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from hlsinspect.render import formats

Format = formats.OutputFormat

T = TypeVar("T")


class VerifyMode(str, enum.Enum):
    auto = "auto"
    head = "head"
    list = "list"


class ProbeMode(str, enum.Enum):
    none = "none"
    sample = "sample"
    all = "all"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"


class RulesProfile(str, enum.Enum):
    rfc = "rfc"
    apple = "apple"


class LaddersChoice(str, enum.Enum):
    all = "all"
    failing = "failing"
    none = "none"


class Color(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


class RulesFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class FromFile:
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


def tokens(values: list[str]) -> list[str]:
    """Rule codes or names, given repeatedly or separated by commas."""
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


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
Concurrency = Annotated[int, typer.Option(
    "--concurrency", min=1, max=512, metavar="N",
    help="Requests in flight at once to each store (a bucket, an origin).")]
OutputFormat = Annotated[Format, typer.Option(
    "--format", help="Output format: a table for people, the JSON report, GitHub Actions "
                     "annotations, GitLab Code Quality JSON, Markdown for a job summary, or "
                     "a self-contained HTML page.")]
Output = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="FILE", show_default=False,
    help="Write the report to FILE instead of stdout.")]
Junit = Annotated[Path | None, typer.Option(
    "--junit", metavar="FILE", show_default=False, help="Also write a JUnit XML report to FILE.")]
Html = Annotated[Path | None, typer.Option(
    "--html", metavar="FILE", show_default=False,
    help="Also write a self-contained HTML report to FILE (verdict, ladders with charts, "
         "segment timelines, findings to filter and search; nothing fetched when opened).")]
ColorOption = Annotated[Color, typer.Option(
    "--color", help="Colour the table: auto (terminals only, none when NO_COLOR is set), "
                    "always (even through a pipe), never.")]
LaddersOption = Annotated[LaddersChoice | None, typer.Option(
    "--ladders", show_default=False,
    help="Which titles' ladder and playlist tables the table shows: all, only those with "
         "errors or warnings (the others counted in one line), or none (default: all for "
         "up to 20 titles, else failing).")]
FailOnOption = Annotated[FailOn, typer.Option(
    "--fail-on", help="Lowest severity that makes the exit code 1.")]
Select = Annotated[list[str] | None, typer.Option(
    "--select", metavar="RULE", show_default=False,
    help="Run only these rules (code or name; repeat, or separate with commas).")]
Ignore = Annotated[list[str] | None, typer.Option(
    "--ignore", metavar="RULE", show_default=False,
    help="Do not run these rules (code or name; repeat, or separate with commas).")]
Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Only the findings and the verdict: no tables, no progress bar.")]
