"""Shared fixtures: a real S3 endpoint (moto's server over HTTP on 127.0.0.1) and the CLI.

Every S3 test talks HTTP to the server; nothing patches boto3. Each test starts from a reset
server holding the bundled fixture tree in bucket `app1-transcoder-out`.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from hlsinspect.cli import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BUCKET = "app1-transcoder-out"
SAMPLE_KEY = "HLS/1M/D0002021500_00000/sample.m3u8"
SAMPLE_DIR = FIXTURES / BUCKET / "HLS/1M/D0002021500_00000"

_LOOPBACK = ("127.0.0.1", "localhost", "::1")

# The tests read output as a CI log gets it: a pipe, no COLUMNS. pytest-xdist starts its
# workers with COLUMNS=80 and LINES=24 (execnet sets them), which would fold the tables at 80
# columns in those workers alone; a test about COLUMNS sets it itself.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach a host other than this machine."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in _LOOPBACK and not host.startswith("/"):
            raise OSError(f"test tried to reach {host!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Known test credentials; no profile files, no instance-metadata lookups."""
    empty = tmp_path_factory.mktemp("aws") / "none"
    for name in list(os.environ):
        if name.startswith(("AWS_", "HLSINSPECT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _post(url: str, body: bytes = b"") -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@dataclass
class S3:
    """The test's S3: the endpoint, an admin client, and helpers to shape the bucket."""

    endpoint: str
    client: Any
    bucket: str = BUCKET

    def upload_tree(self, root: Path, bucket: str | None = None, prefix: str = "") -> None:
        bucket = bucket or self.bucket
        for path in sorted(root.rglob("*")):
            if path.is_file():
                key = prefix + path.relative_to(root).as_posix()
                self.client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    def put(self, key: str, body: bytes | str, bucket: str | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.client.put_object(Bucket=bucket or self.bucket, Key=key, Body=data)

    def delete(self, key: str, bucket: str | None = None) -> None:
        self.client.delete_object(Bucket=bucket or self.bucket, Key=key)

    def get(self, key: str, bucket: str | None = None) -> bytes:
        body = self.client.get_object(Bucket=bucket or self.bucket, Key=key)["Body"]
        return bytes(body.read())

    def new_bucket(self, name: str) -> None:
        self.client.create_bucket(Bucket=name)

    def enable_iam(self) -> None:
        """From the next request on, moto authenticates and authorizes every call."""
        _post(f"{self.endpoint}/moto-api/reset-auth", b"0")

    def disable_iam(self) -> None:
        _post(f"{self.endpoint}/moto-api/reset-auth", b"inf")


@pytest.fixture()
def s3(moto_endpoint: str, _aws_env: None) -> Iterator[S3]:
    """A reset server with the bundled fixture tree uploaded into `app1-transcoder-out`."""
    _post(f"{moto_endpoint}/moto-api/reset")
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    store = S3(moto_endpoint, client)
    store.new_bucket(BUCKET)
    store.upload_tree(FIXTURES / BUCKET)
    try:
        yield store
    finally:
        store.disable_iam()


@dataclass
class Run:
    """One CLI invocation: exit code, stdout, stderr, and the JSON report when asked for."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def names(self) -> list[str]:
        return [f["name"] for f in self.json["findings"]]


@pytest.fixture()
def cli() -> Any:
    """Run `hlsinspect ARGS` in-process through typer's CliRunner."""

    def run(*args: str) -> Run:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture()
def s3_cli(cli: Any, s3: S3) -> Any:
    """Like `cli`, with `--endpoint-url` pointing at the test server."""

    def run(*args: str) -> Run:
        return cli(*args, "--endpoint-url", s3.endpoint)  # type: ignore[no-any-return]

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files under tests/golden/ from the current output")


@pytest.fixture()
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether to rewrite golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-golden"))


def make_user(s3: S3, name: str, statements: list[dict[str, Any]]) -> tuple[str, str]:
    """An IAM user with an inline policy; returns its access key id and secret."""
    iam = boto3.client("iam", endpoint_url=s3.endpoint, region_name="us-east-1")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture()
def as_user(s3: S3, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switch the environment's credentials to a new IAM user, then enforce IAM."""

    def switch(statements: list[dict[str, Any]]) -> str:
        key_id, secret = make_user(s3, "qa", statements)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        s3.enable_iam()
        return secret

    return switch
