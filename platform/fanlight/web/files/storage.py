"""Where attachments' bytes are kept, behind one small interface, chosen once at start-up.

FANLIGHT_ATTACHMENT_STORAGE picks the store:

- `local` (the default): a folder on this server (UPLOAD_FOLDER). Right for one server only:
  a file uploaded through one server could not be read through another.
- `database`: the attachment_contents table, written in the same transaction as the
  Attachment row. Every server sharing the database reads it; nothing else to run.
- `s3`: an S3-compatible bucket (AWS S3, MinIO, Ceph...) through boto3, installed with the
  optional extra `fanlight[s3]`. FANLIGHT_S3_BUCKET names the bucket, FANLIGHT_S3_ENDPOINT_URL
  a server other than AWS; credentials and region come from the standard AWS variables.

Every method takes the caller's session. The database store works in it, so its writes commit
or roll back with the caller's rows. The folder and the bucket cannot join a transaction: the
caller puts the bytes before committing the row (and deletes them if that commit fails), and
deletes them only after the row's removal is committed. An object without a row can happen only
if a server dies in between; a row without its bytes never can.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .. import extensions
from ..models.referrals import AttachmentContent

LOCAL, DATABASE, S3 = "local", "database", "s3"
S3_PREFIX = "attachments/"


class AttachmentStore(Protocol):
    def put(self, session: Session, name: str, data: bytes) -> None: ...

    def get(self, session: Session, name: str) -> bytes | None: ...

    def delete(self, session: Session, name: str) -> None: ...


class FolderStore:
    """A folder outside the web root: one server only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, session: Session, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomically(self.folder / name, data)

    def get(self, session: Session, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, session: Session, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


class DatabaseStore:
    """The attachment_contents table: bytea on PostgreSQL, a blob on SQLite.

    Core statements rather than ORM objects, so ten megabytes of a file never sit in the
    session's identity map for the rest of the request.
    """

    def put(self, session: Session, name: str, data: bytes) -> None:
        session.flush()  # the caller's Attachment row first: the bytes refer to it
        session.execute(insert(AttachmentContent).values(stored_name=name, data=data))

    def get(self, session: Session, name: str) -> bytes | None:
        data: bytes | None = session.scalar(select(AttachmentContent.data).where(AttachmentContent.stored_name == name))
        return data

    def delete(self, session: Session, name: str) -> None:
        session.execute(delete(AttachmentContent).where(AttachmentContent.stored_name == name))


class S3Store:
    """An S3-compatible bucket. The boto3 client is made once and is safe to share between threads."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def put(self, session: Session, name: str, data: bytes) -> None:
        # Stored as opaque bytes: were the bucket ever served directly, nothing would render inline.
        self.client.put_object(Bucket=self.bucket, Key=S3_PREFIX + name, Body=data,
                               ContentType="application/octet-stream")

    def get(self, session: Session, name: str) -> bytes | None:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=S3_PREFIX + name)
        except self.client.exceptions.NoSuchKey:
            return None
        data: bytes = found["Body"].read()
        return data

    def delete(self, session: Session, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=S3_PREFIX + name)  # no error if already gone


def s3_store(config: dict[str, Any]) -> S3Store:
    try:
        import boto3  # type: ignore[import-untyped]  # noqa: PLC0415 (an optional extra: only an S3 installation has it)
        from botocore.config import Config  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError as error:
        raise RuntimeError("FANLIGHT_ATTACHMENT_STORAGE=s3 needs boto3: install fanlight[s3]") from error
    bucket = config.get("FANLIGHT_S3_BUCKET")
    if not bucket:
        raise RuntimeError("FANLIGHT_ATTACHMENT_STORAGE=s3 needs FANLIGHT_S3_BUCKET")
    endpoint = config.get("FANLIGHT_S3_ENDPOINT_URL") or None
    settings = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
                      # S3-compatible servers (MinIO and the like) rarely resolve bucket.host names.
                      s3={"addressing_style": "path" if endpoint else "auto"})
    client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=settings)
    return S3Store(client, bucket)


def make_store(config: dict[str, Any]) -> AttachmentStore:
    kind = (config.get("FANLIGHT_ATTACHMENT_STORAGE") or LOCAL).strip().lower()
    if kind == LOCAL:
        return FolderStore(Path(config["UPLOAD_FOLDER"]))
    if kind == DATABASE:
        return DatabaseStore()
    if kind == S3:
        return s3_store(config)
    raise RuntimeError(f"FANLIGHT_ATTACHMENT_STORAGE must be local, database or s3, not {kind!r}")


def init_app(app: Flask) -> None:
    """Resolve the store once: a mistake in its configuration stops the server starting, rather
    than failing the first upload."""
    app.extensions[extensions.ATTACHMENT_STORE] = make_store(app.config)


def store() -> AttachmentStore:
    found: AttachmentStore = current_app.extensions[extensions.ATTACHMENT_STORE]
    return found


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all, so a reader never sees half of it: a temporary file beside
    it, flushed to disk, renamed over it, and the rename itself flushed (it survives a power cut).
    Attachments, the census file and folder-drop deliveries are written this way."""
    folder = path.parent if str(path.parent) else Path()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
