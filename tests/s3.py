"""An S3-compatible server for the tests: the one the environment names (``LONGARM_STORAGE_URL`` and
``LONGARM_S3_ENDPOINT_URL``, as ``.ci/run`` starts it), or moto's server started in this process on a free
port of 127.0.0.1. Either way Longarm talks to it over real HTTP through boto3."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings

from longarm.evidence import object_store

TEST_BUCKET = "longarm-test-evidence"
TEST_PREFIX = "evidence/"


@dataclass
class MotoServer:
    """moto's server in a thread; ``stop`` and ``start`` again on the same port keep what it holds."""

    port: int = 0
    server: Any = None  # moto.server.ThreadedMotoServer, imported only where moto is installed

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def ensure_bucket() -> None:
    bucket = object_store.configured_bucket()
    assert bucket is not None
    s3 = object_store.client()
    try:
        s3.head_bucket(Bucket=bucket.name)
    except ClientError:
        s3.create_bucket(Bucket=bucket.name)


def empty_bucket() -> None:
    """Delete every object and unfinished upload under the configured prefix."""
    bucket = object_store.configured_bucket()
    assert bucket is not None
    s3 = object_store.client()
    for key, upload_id, _ in list(object_store.list_unfinished(bucket)):
        s3.abort_multipart_upload(Bucket=bucket.name, Key=key, UploadId=upload_id)
    for key, _ in list(object_store.list_objects(bucket)):
        s3.delete_object(Bucket=bucket.name, Key=key)


def bucket_settings(endpoint: str) -> dict[str, object]:
    return {
        "EVIDENCE_BUCKET": (TEST_BUCKET, TEST_PREFIX),
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "longarm-test",
        "S3_SECRET_ACCESS_KEY": "longarm-test-secret",
    }


def configured_outside() -> bool:
    """Whether the environment names a bucket (CI's run of the evidence tests against its server)."""
    return settings.EVIDENCE_BUCKET is not None
