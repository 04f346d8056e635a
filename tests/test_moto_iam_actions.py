"""The S3 the tests run against must authorise reads as AWS does.

AWS authorises HeadObject as `s3:GetObject` and ListObjectsV2 as `s3:ListBucket`; there are no
`s3:HeadObject` or `s3:ListObjectsV2` actions. moto 5.2.6 checks those non-existent actions,
so a policy that is right for S3 is refused there, and every permission test would fail as if
hlsinspect were wrong. This test names that cause instead; `constraints.txt` pins the moto
the suite last passed with.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, S3, SAMPLE_KEY, make_user
from tests.test_s3_permissions import GET_ALL, LIST

MOTO_MISMATCH = ("moto refused {call} under a policy granting only s3:GetObject on {bucket}/* "
                 "and s3:ListBucket on {bucket}, which AWS allows ({error}): this moto checks "
                 "an IAM action AWS does not have (s3:HeadObject, s3:ListObjectsV2), not "
                 "hlsinspect. Install the moto pinned in constraints.txt "
                 "(pip install -c constraints.txt -e '.[test]').")


@pytest.mark.parametrize("call", ["head_object", "list_objects_v2"])
def test_moto_authorises_reads_with_the_actions_aws_uses(s3: S3, call: str):
    key_id, secret = make_user(s3, f"reader-{call.replace('_', '-')}", [LIST, GET_ALL])
    client = boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1",
                          aws_access_key_id=key_id, aws_secret_access_key=secret)
    s3.enable_iam()
    try:
        if call == "head_object":
            client.head_object(Bucket=BUCKET, Key=SAMPLE_KEY)
        else:
            client.list_objects_v2(Bucket=BUCKET, Prefix="HLS/")
    except ClientError as error:
        pytest.fail(MOTO_MISMATCH.format(call=call, bucket=BUCKET, error=error))
