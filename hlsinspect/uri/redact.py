"""Credentials taken out of every text hlsinspect shows: URIs, messages, errors.

Playlists and targets carry credentials more often than one would like: `user:password@` in
a URL, presigned S3 URLs (`X-Amz-Credential`, `X-Amz-Signature`, `X-Amz-Security-Token`),
CloudFront (`Signature`, `Policy`, `Key-Pair-Id`), Akamai (`hdnts`, `hdnea`), Azure SAS (`sig`)
and CDN tokens (`token`, `access_token`, `auth`, `key`...). Whatever hlsinspect prints (the
table, JSON, JUnit, annotations, an error line on stderr) ends up in CI logs and artifacts,
which keep it for months and show it to everyone who can read the job. So `redact` removes:

- the userinfo of any `scheme://user:password@host` in the text (`scheme://REDACTED@host`);
- the value of a `token` path segment (`/token=.../`, `/auth_token=.../`) and of Akamai's
  `hdnts`, `hdnea` and `hmac` in a path;
- the value of any query parameter (after `?`, `&` or `;`) whose name is a credential's,
  case-insensitively: every `X-Amz-*` and `X-Goog-*` (signed URLs: the date and expiry go
  too, they are not worth the risk of a list that misses one), names that contain `token`,
  `secret`, `password`, `signature` or `credential`, and `sig`, `auth`, `authorization`,
  `key`, `apikey`, `api_key`, `policy`, `key-pair-id`, `expires`, `hdnts`, `hdnea`, `hmac`,
  `jwt`, `pwd`, `passwd`, `awsaccesskeyid`; the value becomes `REDACTED`.

It works on free text, not only on URLs, since messages quote URIs (`'https://...' exists:
...`) and lines of playlists. The report is redacted when it is made (`report.Report`), so
every renderer and the JSON document get it, and so does each error line the CLI prints.
Redaction is for display only: the objects are still asked for with their real URIs.
"""

from __future__ import annotations

import re

MARK = "REDACTED"

_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*://)[^\s/?#@'\"<>]*@")
"""`scheme://` and the userinfo after it, up to the last `@` of the authority."""

_NAMES = (r"x-amz-[\w.\-]*|x-goog-[\w.\-]*"
          r"|[\w.\-]*(?:token|secret|passw(?:or)?d|signature|credential)[\w.\-]*"
          r"|sig|auth|authorization|key|api[_\-]?key|policy|key-pair-id|expires"
          r"|hdnts|hdnea|hmac|jwt|pwd|awsaccesskeyid")
_PARAMETER = re.compile(rf"([?&;](?:{_NAMES})=)[^\s&#'\"<>;]*[^\s&#'\"<>;:,.)]",
                        re.IGNORECASE)
"""A credential parameter's name (with what precedes it and its `=`), then its value; a `:`,
`,`, `.` or `)` right after it is the sentence's (`...?sig=abc: 404 Not Found`), not the
value's."""

_IN_PATH = re.compile(
    r"(/[\w.\-]*token[\w.\-]*=)[^\s/?&#'\"<>;]*[^\s/?&#'\"<>;:,.)]"
    r"|([/~](?:hdnts|hdnea|hmac)=)[^\s/?&#'\"<>;~]*[^\s/?&#'\"<>;~:,.)]", re.IGNORECASE)
"""The same in a URL's path, where CDNs that cannot use the query put their tokens: a
`/...token...=` segment (its value up to the next `/`), and Akamai's
`/hdnts=exp=...~acl=...~hmac=.../` (each `~` field; `hmac` is the secret). Only these names:
path segments such as `key=1/` or `policy=premium/` are a bucket's partitions far more often
than credentials, and a report must keep them apart."""


def redact(text: str) -> str:
    """`text` with URL userinfo and the values of credential query parameters replaced by
    REDACTED; other text as is (and the very string when there is nothing to redact)."""
    if "@" in text:
        text = _USERINFO.sub(rf"\1{MARK}@", text)
    if "=" in text:
        text = _PARAMETER.sub(rf"\1{MARK}", text)
        text = _IN_PATH.sub(lambda m: f"{m.group(1) or m.group(2)}{MARK}", text)
    return text
