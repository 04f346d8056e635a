"""A read-only S3 endpoint serving one directory as one bucket, fast enough to stay out of a
benchmark's way.

Why: a benchmark of a whole-bucket audit must measure the client. moto's server spends far more
CPU per request than botocore does, so against moto the figures measure moto. This server, run
as a child process (on a 2-core machine: the server on one core, the client on the other),
walks the directory once at startup into a sorted index whose `<Contents>` XML is built in
advance, so a listing page is a bisect and a copy of one slice, a HEAD is a bisect, and a GET
reads the file.

    python -m benchmarks.fast_s3 --root DIR --bucket NAME [--port 0] [--host 127.0.0.1]

prints `READY http://127.0.0.1:PORT` on stdout once listening, and the number of keys and the
startup seconds on stderr. Path-style requests only (`/BUCKET/KEY`); any signature is accepted.

Served: ListObjectsV2 (prefix, delimiter, max-keys, continuation-token, start-after,
encoding-type=url), HeadObject and GetObject (with a single `Range: bytes=...`), HeadBucket,
GetBucketLocation and ListBuckets. Anything that writes is 405 MethodNotAllowed; any other
request (ListObjects v1, ACLs, tagging, versions, ...) is 501 NotImplemented. Keys are sorted
as S3 sorts them: by their UTF-8 bytes. Directories are not objects; names that are not valid
UTF-8 are skipped. The index is a snapshot: a file added after startup is not served, and
HEAD answers from the index. The ETag is made from the file's size and modification time (no
file is read at startup), not an MD5 of the contents.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import bisect
import contextlib
import email.utils
import functools
import os
import re
import signal
import stat
import subprocess
import sys
import time
from array import array
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes
from xml.sax.saxutils import escape

MAX_KEYS = 1000
CHUNK = 1 << 20
"""Bytes of a GET body read and written at once; bodies up to this size go out in one write."""
AFTER = b"\xff"
"""Sorts after every continuation of a UTF-8 prefix (0xff never occurs in UTF-8): the keys
starting with P are exactly those in [P, P + AFTER)."""
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'
NAMESPACE = b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".m3u": "application/vnd.apple.mpegurl",
                 ".ts": "video/mp2t", ".mp4": "video/mp4", ".m4s": "video/mp4"}
REASONS = {200: "OK", 206: "Partial Content", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 416: "Requested Range Not Satisfiable",
           500: "Internal Server Error", 501: "Not Implemented"}
OBJECT_SUBRESOURCES = frozenset({
    "acl", "attributes", "legal-hold", "partNumber", "restore", "retention", "select",
    "tagging", "torrent", "uploadId", "uploads", "versionId"})
"""Query parameters that ask GET/HEAD of an object for something else than its bytes."""
READ_ONLY = frozenset({"GET", "HEAD"})
PLAIN_KEY = re.compile(rb"[A-Za-z0-9_.~/-]*")
"""Keys made of these bytes read the same url-encoded and as XML text."""
CONTENTS = (b"<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>&quot;%016x%016x"
            b"&quot;</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>")
"""A listing's element for one object: key, time, the ETag's two halves (see etag), size."""
MASK = 2**64 - 1


def url_encode(value: bytes) -> bytes:
    """S3's encoding-type=url: every byte but RFC 3986's unreserved characters and "/" as %XX
    (a space is %20 and a "+" is %2B, which botocore's unquote_plus turns back correctly)."""
    return quote(value, safe="/").encode("ascii")


def xml_text(value: bytes) -> bytes:
    return escape(value.decode("utf-8", "replace")).encode("utf-8")


def etag(size: int, mtime_ns: int) -> str:
    """32 hex digits like an MD5, from the modification time and size (no file is read)."""
    return f"{mtime_ns & MASK:016x}{size & MASK:016x}"


def iso_time(mtime_ns: int) -> bytes:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(mtime_ns // 10**9)).encode()


@functools.lru_cache(maxsize=4096)
def _http_time(seconds: int) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


def http_time(mtime_ns: int) -> str:
    return _http_time(mtime_ns // 10**9)


def content_type(key: bytes) -> str:
    dot = key.rfind(b".")
    if dot < 0 or key.find(b"/", dot) >= 0:
        return "application/octet-stream"
    return CONTENT_TYPES.get(key[dot:].decode("ascii", "replace").lower(),
                             "application/octet-stream")


def walk(root: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(key, size, mtime_ns) of every regular file under root, in S3 order (UTF-8 bytes).

    A directory's entries are sorted with "/" after each subdirectory's name, so the keys of a
    subdirectory come out where S3 would place them among its siblings ("a-b" < "a/x" < "a0"):
    no global sort, no list of a million tuples.
    """

    def entries(path: bytes) -> Iterator[tuple[bytes, os.DirEntry[bytes]]]:
        try:
            with os.scandir(path) as found:
                listed = [(e.name + b"/" if e.is_dir(follow_symlinks=False) else e.name, e)
                          for e in found]
        except OSError as exc:
            print(f"fast_s3: skipped {os.fsdecode(path)}: {exc}", file=sys.stderr)
            return iter(())
        listed.sort(key=lambda pair: pair[0])
        return iter(listed)

    stack: list[tuple[bytes, Iterator[tuple[bytes, os.DirEntry[bytes]]]]] = [
        (b"", entries(root))]
    while stack:
        prefix, pending = stack[-1]
        for name, entry in pending:
            if name.endswith(b"/"):
                stack.append((prefix + name, entries(entry.path)))
                break
            try:
                info = entry.stat()
            except OSError:
                continue  # vanished, or a dangling symlink
            if stat.S_ISREG(info.st_mode):
                yield prefix + name, info.st_size, info.st_mtime_ns
        else:
            stack.pop()


class Index:
    """Every object under a directory, sorted by key, with its `<Contents>` XML built once.

    The `<Contents>` elements (url-encoded keys, as botocore always asks) are concatenated in
    key order, so any run of consecutive keys is one slice of one buffer. Keys whose XML-escaped
    form differs from their url-encoded form also have a plain element, for the rare listing
    without encoding-type=url.
    """

    def __init__(self, root: Path) -> None:
        self.keys: list[bytes] = []
        """Sorted; a plain list of bytes, so that bisect runs at C speed."""
        xml_blob, xml_offsets = bytearray(), array("Q", [0])
        self.sizes, self.mtimes = array("q"), array("q")
        self.plain: dict[int, bytes] = {}
        self.skipped = 0
        times: dict[int, bytes] = {}
        for key, size, mtime_ns in walk(os.fsencode(root)):
            seconds = mtime_ns // 10**9
            when = times.get(seconds)
            if when is None:
                when = times[seconds] = iso_time(mtime_ns)
            fields = (when, mtime_ns & MASK, size & MASK, size)
            if PLAIN_KEY.fullmatch(key):  # the usual key: the same in XML and url-encoded
                xml_blob += CONTENTS % (key, *fields)
            else:
                try:
                    text = key.decode("utf-8")
                except UnicodeDecodeError:
                    self.skipped += 1
                    continue
                encoded = url_encode(key)
                xml_blob += CONTENTS % (encoded, *fields)
                plain = escape(text).encode("utf-8")
                if plain != encoded:
                    self.plain[len(self.sizes)] = CONTENTS % (plain, *fields)
            xml_offsets.append(len(xml_blob))
            self.keys.append(key)
            self.sizes.append(size)
            self.mtimes.append(mtime_ns)
        self._xml = memoryview(xml_blob)
        self._xml_offsets = xml_offsets
        self._plain_indices = sorted(self.plain)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, key: bytes) -> int | None:
        at = bisect.bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None

    def contents(self, start: int, stop: int, url: bool) -> list[bytes | memoryview]:
        """The `<Contents>` elements of keys start..stop-1."""
        whole = self._xml[self._xml_offsets[start]:self._xml_offsets[stop]]
        if url:
            return [whole]
        first = bisect.bisect_left(self._plain_indices, start)
        last = bisect.bisect_left(self._plain_indices, stop)
        if first == last:
            return [whole]
        parts: list[bytes | memoryview] = []
        at = start
        for index in self._plain_indices[first:last]:
            parts.append(self._xml[self._xml_offsets[at]:self._xml_offsets[index]])
            parts.append(self.plain[index])
            at = index + 1
        parts.append(self._xml[self._xml_offsets[at]:self._xml_offsets[stop]])
        return parts


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **fields: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def body(self) -> bytes:
        extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in self.fields.items())
        return XML_HEAD + (f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}"
                           f"</Message>{extra}<RequestId>0</RequestId></Error>").encode()


class Response:
    __slots__ = ("body", "headers", "path", "span", "status")

    def __init__(self, status: int, headers: dict[str, str], body: list[bytes | memoryview],
                 *, path: bytes | None = None, span: tuple[int, int] = (0, 0)) -> None:
        self.status, self.headers, self.body = status, headers, body
        self.path, self.span = path, span  # a file's bytes span[0]..span[1]-1 follow the body


def xml_response(parts: list[bytes | memoryview], status: int = 200) -> Response:
    return Response(status, {"Content-Type": "application/xml",
                             "Content-Length": str(sum(len(p) for p in parts))}, parts)


class Bucket:
    """Answers S3 requests from an Index; knows nothing of sockets."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = os.fsencode(root)
        self.name = name
        self.index = Index(root)

    def answer(self, method: str, target: str, headers: dict[str, str]) -> Response:
        try:
            return self._answer(method, target, headers)
        except S3Error as error:
            response = xml_response([error.body()], error.status)
            if method == "HEAD":  # S3 answers a HEAD it refuses with a status and no body
                response.body, response.headers["Content-Length"] = [], "0"
            return response

    def _answer(self, method: str, target: str, headers: dict[str, str]) -> Response:
        if target.startswith(("http://", "https://")):  # absolute-form request target
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        raw_path, _, raw_query = target.partition("?")
        query = dict(parse_qsl(raw_query, keep_blank_values=True)) if raw_query else {}
        bucket_part, _, key_part = raw_path[1:].partition("/")
        bucket = unquote(bucket_part)
        if method not in READ_ONLY:
            resource = "OBJECT" if key_part else ("BUCKET" if bucket else "SERVICE")
            raise S3Error(405, "MethodNotAllowed",
                          "The specified method is not allowed against this resource.",
                          Method=method, ResourceType=resource)
        if not bucket:
            return self._buckets()
        if bucket != self.name:
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist",
                          BucketName=bucket)
        if key_part:
            key = unquote_to_bytes(key_part)
            if OBJECT_SUBRESOURCES.intersection(query):
                raise S3Error(501, "NotImplemented", "A header you provided implies "
                              "functionality that is not implemented")
            return self._object(method, key, headers.get("range"))
        if method == "HEAD":
            return Response(200, {"Content-Length": "0", "x-amz-bucket-region": "us-east-1"}, [])
        if "location" in query:
            return xml_response([XML_HEAD, b"<LocationConstraint " + NAMESPACE
                                 + b"></LocationConstraint>"])
        if query.get("list-type") == "2":
            return self._list(query)
        raise S3Error(501, "NotImplemented",
                      "A header you provided implies functionality that is not implemented")

    def _buckets(self) -> Response:
        name = escape(self.name).encode("utf-8")
        return xml_response([
            XML_HEAD, b"<ListAllMyBucketsResult " + NAMESPACE + b"><Owner><ID>fast_s3</ID>"
            b"</Owner><Buckets><Bucket><Name>" + name + b"</Name><CreationDate>"
            b"2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"])

    def _list(self, query: dict[str, str]) -> Response:
        encoding = query.get("encoding-type")
        if encoding not in (None, "url"):
            raise S3Error(400, "InvalidArgument", "Invalid Encoding Method specified in Request",
                          ArgumentName="encoding-type", ArgumentValue=encoding or "")
        url = encoding == "url"

        def text(value: bytes) -> bytes:
            return url_encode(value) if url else xml_text(value)

        try:
            max_keys = min(int(query.get("max-keys", MAX_KEYS)), MAX_KEYS)
            if max_keys < 0:
                raise ValueError
        except ValueError:
            raise S3Error(400, "InvalidArgument", "Provided max-keys not an integer or within "
                          "integer range", ArgumentName="max-keys",
                          ArgumentValue=query["max-keys"]) from None
        prefix = query.get("prefix", "").encode("utf-8")
        delimiter = query.get("delimiter", "").encode("utf-8")
        keys = self.index.keys
        start = bisect.bisect_left(keys, prefix)
        end = bisect.bisect_left(keys, prefix + AFTER) if prefix else len(keys)
        token = query.get("continuation-token")
        start_after = query.get("start-after")
        if token is not None:
            try:
                resume = base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True)
            except (binascii.Error, ValueError, UnicodeEncodeError):
                raise S3Error(400, "InvalidArgument", "The continuation token provided is "
                              "incorrect", ArgumentName="continuation-token") from None
            start = max(start, bisect.bisect_left(keys, resume))
        elif start_after:
            start = max(start, bisect.bisect_right(keys, start_after.encode("utf-8")))
        start = min(start, end)  # resuming past the prefix's last key: nothing left

        parts: list[bytes | memoryview] = []
        prefixes: list[bytes] = []
        at, count = start, 0
        if not delimiter:
            stop = min(end, start + max_keys)
            if stop > start:
                parts = self.index.contents(start, stop, url)
            at, count = stop, stop - start
        else:
            run = at  # the first key of the current run of plain keys
            while at < end and count < max_keys:
                key = keys[at]
                cut = key.find(delimiter, len(prefix))
                if cut < 0:
                    at += 1
                else:
                    if run < at:
                        parts += self.index.contents(run, at, url)
                    common = key[:cut + len(delimiter)]
                    prefixes.append(common)
                    at = bisect.bisect_left(keys, common + AFTER, at + 1, end)
                    run = at
                count += 1
            if run < at:
                parts += self.index.contents(run, at, url)
        truncated = at < end and max_keys > 0

        head = [b"<ListBucketResult ", NAMESPACE, b"><Name>", escape(self.name).encode("utf-8"),
                b"</Name><Prefix>", text(prefix), b"</Prefix>"]
        if token is not None:
            head += [b"<ContinuationToken>", escape(token).encode("utf-8"),
                     b"</ContinuationToken>"]
        elif start_after is not None:
            head += [b"<StartAfter>", text(start_after.encode("utf-8")), b"</StartAfter>"]
        head.append(b"<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>" % (count, max_keys))
        if delimiter:
            head += [b"<Delimiter>", text(delimiter), b"</Delimiter>"]
        if url:
            head.append(b"<EncodingType>url</EncodingType>")
        head.append(b"<IsTruncated>%s</IsTruncated>" % (b"true" if truncated else b"false"))
        if truncated:
            head += [b"<NextContinuationToken>", base64.urlsafe_b64encode(keys[at]),
                     b"</NextContinuationToken>"]
        tail = [b"<CommonPrefixes><Prefix>" + text(common) + b"</Prefix></CommonPrefixes>"
                for common in prefixes]
        return xml_response([XML_HEAD, b"".join(head), *parts, *tail, b"</ListBucketResult>"])

    def _object(self, method: str, key: bytes, byte_range: str | None) -> Response:
        found = self.index.find(key)
        if found is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.",
                          Key=key.decode("utf-8", "replace"))
        path = self.root + b"/" + key
        if method == "HEAD":
            size, mtime_ns = self.index.sizes[found], self.index.mtimes[found]
        else:
            try:
                info = os.stat(path)
            except OSError:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.",
                              Key=key.decode("utf-8", "replace")) from None
            size, mtime_ns = info.st_size, info.st_mtime_ns
        headers = {"Content-Type": content_type(key), "ETag": f'"{etag(size, mtime_ns)}"',
                   "Last-Modified": http_time(mtime_ns), "Accept-Ranges": "bytes"}
        first, last, status = 0, size - 1, 200
        span = parse_range(byte_range, size) if byte_range else None
        if isinstance(span, str):  # unsatisfiable
            error = S3Error(416, "InvalidRange", "The requested range is not satisfiable",
                            RangeRequested=byte_range or "", ActualObjectSize=str(size))
            response = xml_response([error.body()], 416)
            response.headers["Content-Range"] = f"bytes */{size}"
            if method == "HEAD":
                response.body, response.headers["Content-Length"] = [], "0"
            return response
        if span is not None:
            first, last = span
            status = 206
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        headers["Content-Length"] = str(last - first + 1)
        if method == "HEAD":
            return Response(status, headers, [])
        return Response(status, headers, [], path=path, span=(first, last + 1))


def parse_range(value: str, size: int) -> tuple[int, int] | str | None:
    """(first, last) of a single `bytes=` range; None to send the whole object (a header this
    server does not understand is ignored, as HTTP allows); "unsatisfiable" for 416."""
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    low, dash, high = spec.strip().partition("-")
    try:
        if not dash:
            return None
        if not low:  # the last `high` bytes
            suffix = int(high)
            if suffix <= 0:
                return "unsatisfiable"
            return (max(size - suffix, 0), size - 1) if size else "unsatisfiable"
        first = int(low)
        last = int(high) if high else size - 1
    except ValueError:
        return None
    if first >= size:
        return "unsatisfiable"
    if last < first:
        return None
    return first, min(last, size - 1)


class Server:
    """HTTP/1.1 with keep-alive on asyncio streams, one Bucket behind it."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self._date = (0, "")

    def date(self) -> str:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, email.utils.formatdate(now, usegmt=True))
        return self._date[1]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError):
            pass  # the client went away: nothing to answer
        except asyncio.CancelledError:
            pass  # shutting down: an idle keep-alive connection is simply closed
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is to be closed."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # closed between requests
        except asyncio.LimitOverrunError:
            await self._send(writer, xml_response([S3Error(
                400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the "
                "maximum allowed size.").body()], 400), close=True)
            return False
        lines = head.decode("latin-1").split("\r\n")
        request = lines[0].split(" ")
        if len(request) != 3 or not request[2].startswith("HTTP/1."):
            await self._send(writer, xml_response([S3Error(
                400, "BadRequest", "An error occurred when parsing the HTTP request.").body()],
                400), close=True)
            return False
        method, target, version = request
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            close = True  # a body we do not read: no telling where the next request starts
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > CHUNK:
            close = True
        elif "100-continue" in headers.get("expect", "").lower():
            # the client waits for a word before sending its body: the refusal (only GET and
            # HEAD are served) goes out at once, and the body is never sent
            close = True
        elif int(length):
            await reader.readexactly(int(length))
        response = self.bucket.answer(method, target, headers)
        if method == "HEAD":
            response.body, response.path = [], None
        await self._send(writer, response, close=close)
        return not close

    async def _send(self, writer: asyncio.StreamWriter, response: Response, *,
                    close: bool) -> None:
        lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}",
                 f"Date: {self.date()}", "Server: fast_s3", "x-amz-request-id: 0",
                 *(f"{name}: {value}" for name, value in response.headers.items()),
                 "Connection: close" if close else "Connection: keep-alive", "", ""]
        head = "\r\n".join(lines).encode("latin-1")
        if response.path is None:
            writer.write(b"".join([head, *response.body]))
        else:
            first, stop = response.span
            with open(response.path, "rb", buffering=0) as file:
                if stop - first <= CHUNK:
                    writer.write(head + os.pread(file.fileno(), stop - first, first))
                else:
                    writer.write(head)
                    while first < stop:
                        data = os.pread(file.fileno(), min(CHUNK, stop - first), first)
                        if not data:
                            raise ConnectionError("file shrank while being sent")
                        first += len(data)
                        writer.write(data)
                        await writer.drain()
        await writer.drain()


async def serve(bucket: Bucket, host: str, port: int) -> None:
    server = Server(bucket)
    listener = await asyncio.start_server(server.handle, host, port, backlog=1024,
                                          limit=64 * 1024)
    bound = listener.sockets[0].getsockname()
    print(f"READY http://{bound[0]}:{bound[1]}", flush=True)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def finish() -> None:
        if not stop.done():
            stop.set_result(None)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, finish)
    async with listener:
        await stop


class FastS3:
    """The server as a child process, for tests and benchmarks:

        with FastS3(root, "bucket") as s3:
            boto3.client("s3", endpoint_url=s3.endpoint, ...)
    """

    def __init__(self, root: Path, bucket: str) -> None:
        self.root, self.bucket = root, bucket
        self.endpoint = ""
        self.startup_seconds = 0.0
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FastS3:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fast_s3", "--root", str(self.root),
             "--bucket", self.bucket, "--port", "0"],
            cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY "):
            self.__exit__(None, None, None)
            raise RuntimeError(f"fast_s3 did not start: {line!r}")
        self.startup_seconds = time.perf_counter() - started
        self.endpoint = line.split()[1]
        return self

    def cpu_seconds(self) -> float:
        """User plus system CPU the server has used so far (Linux /proc)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="directory served as a bucket")
    parser.add_argument("--bucket", required=True, help="the bucket's name")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()
    if not args.root.is_dir():
        parser.error(f"{args.root} is not a directory")
    started = time.perf_counter()
    bucket = Bucket(args.root, args.bucket)
    skipped = f", {bucket.index.skipped} names not UTF-8 skipped" if bucket.index.skipped else ""
    print(f"fast_s3: {len(bucket.index)} keys indexed in {time.perf_counter() - started:.2f} s"
          f"{skipped}", file=sys.stderr, flush=True)
    asyncio.run(serve(bucket, args.host, args.port))


if __name__ == "__main__":
    main()
