"""Encrypted evidence in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …), through boto3.

boto3 itself rather than django-storages: a blob is encrypted as its upload arrives and must reach the
bucket part by part (multipart upload), never whole in memory, and be read back as a stream; the
``Storage``/``File`` API django-storages offers spools a file before sending it. Object keys are made and
checked in ``evidence.storage`` alone; this module only moves ciphertext.

The bucket learns no more than a local disk would: keys are the random storage names, objects carry no
metadata, content type or checksum of their plaintext, and every byte sent is ciphertext.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from longarm.evidence.exceptions import StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# S3's smallest part is 5 MiB (but for the last); 8 MiB parts reach the 10 000-part limit at 78 GiB.
PART_BYTES = 8 * 1024 * 1024
# Parts being sent at once: with the one being filled, memory stays under three parts per upload.
_PARTS_IN_FLIGHT = 2
_READ_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Bucket:
    name: str
    prefix: str


def configured_bucket() -> Bucket | None:
    if settings.EVIDENCE_BUCKET is None:
        return None
    name, prefix = settings.EVIDENCE_BUCKET
    return Bucket(name=name, prefix=prefix)


@cache
def _client(endpoint: str, region: str, key_id: str, secret: str) -> "S3Client":
    config = Config(
        region_name=region,
        connect_timeout=5,
        read_timeout=60,
        retries={"mode": "standard", "max_attempts": 3},
        # Path-style addressing for a self-hosted server (MinIO, Ceph, moto): no wildcard DNS needed.
        s3={"addressing_style": "path" if endpoint else "auto"},
        max_pool_connections=20,
    )
    client: S3Client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint or None,
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret or None,
        config=config,
    )
    return client


def client() -> "S3Client":
    """The process's S3 client (thread-safe, one connection pool per configuration)."""
    return _client(
        settings.S3_ENDPOINT_URL,
        settings.S3_REGION,
        settings.S3_ACCESS_KEY_ID,
        settings.S3_SECRET_ACCESS_KEY,
    )


def unavailable(error: Exception, doing: str) -> StorageUnavailable:
    """The error to raise for a failed S3 request: its class and S3 error code, nothing the server echoed."""
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    return StorageUnavailable(f"evidence storage could not {doing}: {type(error).__name__} {code}".strip())


S3_ERRORS = (BotoCoreError, ClientError)


class ObjectFile:
    """An object being written, as ``storage._BlobFile`` writes a file: ciphertext is appended as it is made,
    each full part goes to the bucket from a helper thread while the caller goes on, and the caller waits
    when ``_PARTS_IN_FLIGHT`` parts are still being sent (memory stays bounded whatever the size). A blob
    smaller than a part is sent whole when committed. Until ``commit`` the object does not exist: a crashed
    upload leaves only an unfinished multipart upload, which ``storage.stored_blobs`` lists for the sweep.
    """

    def __init__(self, bucket: Bucket, key: str) -> None:
        self._bucket = bucket
        self._key = key
        # Grows as ciphertext comes: a small file (most are) never holds a whole part's memory.
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: dict[int, str] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(_PARTS_IN_FLIGHT)
        self._sent: list[Future[None]] = []
        self._error: BaseException | None = None
        self._done = False

    @property
    def error(self) -> BaseException | None:
        return self._error

    def append(self, piece: bytes) -> None:
        view = memoryview(piece)
        while len(view):
            take = min(len(view), PART_BYTES - len(self._buffer))
            self._buffer += view[:take]
            view = view[take:]
            if len(self._buffer) == PART_BYTES:
                # One copy per part: the buffer is refilled while the part is sent.
                part = bytes(self._buffer)
                self._buffer.clear()
                self._send(part)

    def _send(self, data: bytes) -> None:
        if self._error is not None:
            return
        s3 = client()
        if self._upload_id is None:
            try:
                self._upload_id = s3.create_multipart_upload(Bucket=self._bucket.name, Key=self._key)[
                    "UploadId"
                ]
            except S3_ERRORS as error:
                self._error = unavailable(error, "start an upload")
                raise self._error from error
            self._pool = ThreadPoolExecutor(max_workers=_PARTS_IN_FLIGHT, thread_name_prefix="s3-part")
        number = len(self._sent) + 1
        self._slots.acquire()
        assert self._pool is not None  # noqa: S101 - made with the upload above
        self._sent.append(self._pool.submit(self._send_part, number, data))

    def _send_part(self, number: int, data: bytes) -> None:
        try:
            if self._error is None:
                assert self._upload_id is not None  # noqa: S101 - started before any part is sent
                answer = client().upload_part(
                    Bucket=self._bucket.name,
                    Key=self._key,
                    UploadId=self._upload_id,
                    PartNumber=number,
                    Body=data,
                )
                self._parts[number] = answer["ETag"]
        except S3_ERRORS as error:
            self._error = self._error or unavailable(error, "send a part")
        except BaseException as error:
            self._error = self._error or error
        finally:
            self._slots.release()

    def _wait(self) -> None:
        for sent in self._sent:
            sent.result()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def commit(self) -> None:
        """Send what is left and make the object whole.

        Raises:
            StorageUnavailable: if any request failed; call :meth:`discard`.
        """
        rest = bytes(self._buffer)
        self._buffer.clear()
        s3 = client()
        if self._upload_id is None:
            try:
                s3.put_object(Bucket=self._bucket.name, Key=self._key, Body=rest)
            except S3_ERRORS as error:
                raise unavailable(error, "store a file") from error
            self._done = True
            return
        if rest:
            self._send(rest)
        self._wait()
        if self._error is not None:
            raise self._error
        try:
            s3.complete_multipart_upload(
                Bucket=self._bucket.name,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": number, "ETag": tag} for number, tag in sorted(self._parts.items())
                    ]
                },
            )
        except S3_ERRORS as error:
            raise unavailable(error, "finish an upload") from error
        self._done = True

    def discard(self) -> None:
        """Stop sending and give up the unfinished upload. Safe to call more than once. If the bucket is
        unreachable now, the unfinished upload is left to the sweep."""
        self._error = self._error or RuntimeError("discarded")
        self._buffer.clear()
        self._wait()
        if self._upload_id is not None and not self._done:
            upload_id, self._upload_id = self._upload_id, None
            abort_upload(self._bucket, self._key, upload_id)


def abort_upload(bucket: Bucket, key: str, upload_id: str) -> None:
    try:
        client().abort_multipart_upload(Bucket=bucket.name, Key=key, UploadId=upload_id)
    except S3_ERRORS as error:
        raise unavailable(error, "give up an upload") from error


def read_object(bucket: Bucket, key: str, sizes: Iterator[int]) -> Iterator[bytes]:
    """The object's bytes, in pieces of the sizes ``sizes`` gives (the last may be shorter)."""
    try:
        body = client().get_object(Bucket=bucket.name, Key=key)["Body"]
    except S3_ERRORS as error:
        raise unavailable(error, "read a file") from error
    try:
        for size in sizes:
            piece = _read_exactly(body, size)
            if not piece:
                return
            yield piece
            if len(piece) < size:
                return
    finally:
        body.close()


def _read_exactly(body: Any, size: int) -> bytes:
    pieces: list[bytes] = []
    wanted = size
    try:
        while wanted:
            piece = body.read(min(wanted, _READ_BYTES))
            if not piece:
                break
            pieces.append(piece)
            wanted -= len(piece)
    except S3_ERRORS as error:
        raise unavailable(error, "read a file") from error
    return b"".join(pieces)


def open_object(bucket: Bucket, key: str) -> tuple[int, Any]:
    """The object's size and a stream of its bytes (with ``read(n)`` and ``close()``)."""
    try:
        answer = client().get_object(Bucket=bucket.name, Key=key)
    except S3_ERRORS as error:
        raise unavailable(error, "read a file") from error
    return int(answer["ContentLength"]), answer["Body"]


def list_objects(bucket: Bucket) -> Iterator[tuple[str, float]]:
    """Every whole object under the prefix, in key order, with the time it was written."""
    try:
        for page in (
            client().get_paginator("list_objects_v2").paginate(Bucket=bucket.name, Prefix=bucket.prefix)
        ):
            for entry in page.get("Contents", []):
                yield entry["Key"], entry["LastModified"].timestamp()
    except S3_ERRORS as error:
        raise unavailable(error, "list the files") from error


def list_unfinished(bucket: Bucket, prefix: str | None = None) -> Iterator[tuple[str, str, float]]:
    """Every multipart upload under the prefix not finished nor given up: key, upload id and start time."""
    try:
        pages = (
            client()
            .get_paginator("list_multipart_uploads")
            .paginate(Bucket=bucket.name, Prefix=bucket.prefix if prefix is None else prefix)
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                yield upload["Key"], upload["UploadId"], upload["Initiated"].timestamp()
    except S3_ERRORS as error:
        raise unavailable(error, "list the unfinished uploads") from error


def delete_object(bucket: Bucket, key: str) -> bool:
    """Delete an object and any unfinished upload to its key; return whether the object existed."""
    for unfinished_key, upload_id, _ in list(list_unfinished(bucket, key)):
        if unfinished_key == key:
            abort_upload(bucket, key, upload_id)
    s3 = client()
    try:
        s3.head_object(Bucket=bucket.name, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise unavailable(error, "find a file") from error
    except BotoCoreError as error:
        raise unavailable(error, "find a file") from error
    try:
        s3.delete_object(Bucket=bucket.name, Key=key)
    except S3_ERRORS as error:
        raise unavailable(error, "delete a file") from error
    return True


def probe(bucket: Bucket, key: str) -> None:
    """Write and delete a one-byte object: the bucket is reachable, and these credentials may write.

    Raises:
        StorageUnavailable: if not.
    """
    s3 = client()
    try:
        s3.put_object(Bucket=bucket.name, Key=key, Body=b"\0")
        s3.delete_object(Bucket=bucket.name, Key=key)
    except S3_ERRORS as error:
        raise unavailable(error, "write a probe") from error
