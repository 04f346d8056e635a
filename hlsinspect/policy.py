"""The minimal read-only IAM policy hlsinspect needs, for `hlsinspect policy`.

s3:ListBucket is what lets S3 answer 404 (rather than 403) for a missing segment, so without
it hlsinspect can say "unverified" but never "missing".
"""

from __future__ import annotations

from typing import Any


def _statements(bucket: str) -> list[dict[str, Any]]:
    return [
        {"Sid": "HlsInspectList", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{bucket}"]},
        {"Sid": "HlsInspectRead", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": [f"arn:aws:s3:::{bucket}/*"]},
    ]


def identity_policy(bucket: str) -> dict[str, Any]:
    """To attach to the IAM user or role that runs hlsinspect."""
    return {"Version": "2012-10-17", "Statement": _statements(bucket)}


def bucket_policy(bucket: str, principal: str) -> dict[str, Any]:
    """To add to the bucket's policy, granting `principal` read-only access."""
    statements = [{**s, "Principal": {"AWS": principal}} for s in _statements(bucket)]
    return {"Version": "2012-10-17", "Statement": statements}
