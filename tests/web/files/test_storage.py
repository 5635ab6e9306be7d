"""Where attachments are kept (files/storage.py): a folder, the database or an S3 bucket.

Every story here runs on each store, on SQLite and PostgreSQL. The S3 store talks to a real S3
API: moto's standalone server, started on a free port for this module, through boto3.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask
from moto.server import ThreadedMotoServer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from fanlight.web import db, extensions
from fanlight.web.files import storage, uploads
from fanlight.web.models import Attachment, User
from fanlight.web.models.referrals import AttachmentContent
from tests.support.factories import PDF, count, database, draft_row, section_page, sign_in, start_draft, upload
from tests.support.web import make_app


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["local", "database", "s3"])
def config(config: dict[str, Any], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The tests' configuration, with each attachment store in turn."""
    config["FANLIGHT_ATTACHMENT_STORAGE"] = request.param
    if request.param == "s3":
        for name, value in {"AWS_ACCESS_KEY_ID": "fanlight-test", "AWS_SECRET_ACCESS_KEY": "fanlight-test",
                            "AWS_DEFAULT_REGION": "eu-west-2", "AWS_CONFIG_FILE": "/nonexistent",
                            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}.items():
            monkeypatch.setenv(name, value)
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"fanlight-test-{secrets.token_hex(6)}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        config.update(FANLIGHT_S3_BUCKET=bucket, FANLIGHT_S3_ENDPOINT_URL=endpoint)
    return config


def held(app: Flask) -> dict[str, bytes]:
    """Everything the app's store holds, by stored name; and the folder holds nothing it should not."""
    kind = app.config["FANLIGHT_ATTACHMENT_STORAGE"]
    folder = Path(app.config["UPLOAD_FOLDER"])
    on_disk = {p.name: p.read_bytes() for p in folder.rglob("*")} if folder.exists() else {}
    if kind == "local":
        return on_disk
    assert on_disk == {}, "a shared store keeps nothing on this server's disk"
    if kind == "database":
        with database(app) as s:
            return {name: data for name, data in s.execute(select(AttachmentContent.stored_name,
                                                                  AttachmentContent.data))}
    store = app.extensions[extensions.ATTACHMENT_STORE]
    listed = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    return {o["Key"].removeprefix(storage.S3_PREFIX): store.client.get_object(Bucket=store.bucket, Key=o["Key"])
            ["Body"].read() for o in listed}


def stored_name(app: Flask, attachment_id: str) -> str:
    with database(app) as s:
        record = s.get(Attachment, attachment_id)
        assert record is not None
        return record.stored_name


def test_an_upload_is_kept_by_the_configured_store_and_downloads_from_it(app, teacher_client):
    draft_id = start_draft(teacher_client)
    assert upload(teacher_client, draft_id).status_code == 302
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    name = stored_name(app, answer["id"])
    assert re.fullmatch(r"[0-9a-f]{64}", name)
    assert held(app) == {name: PDF}
    with teacher_client.get(f"/attachments/{answer['id']}") as download:
        assert download.status_code == 200
        assert download.get_data() == PDF


def test_removing_an_attachment_deletes_its_bytes_from_the_store(app, teacher_client):
    draft_id = start_draft(teacher_client)
    upload(teacher_client, draft_id, filename="first.pdf")
    upload(teacher_client, draft_id, filename="second.pdf", data=PDF + b"% second\n")
    first, second = draft_row(app, draft_id).answers["attachments"]
    token, revision = section_page(teacher_client, draft_id, "documents")
    response = teacher_client.post(f"/drafts/{draft_id}/files/attachments/{first['id']}/remove",
                                   data={"csrf_token": token, "revision": str(revision)})
    assert response.status_code == 302
    assert held(app) == {stored_name(app, second["id"]): PDF + b"% second\n"}


def test_a_record_that_cannot_be_written_leaves_no_bytes_behind(app, teacher):
    with app.test_request_context():
        owner = db.session().get(User, teacher.id)
        with pytest.raises(IntegrityError):  # no such draft: the row's foreign key fails
            uploads.keep(owner, "0" * 32, "attachments", "chronology.pdf", PDF)
    assert held(app) == {}
    assert count(app, Attachment) == 0


@pytest.mark.parametrize("changed", [None, PDF.replace(b"Catalog", b"Katalog")], ids=["missing", "changed"])
def test_bytes_that_went_missing_or_changed_in_the_store_are_never_served(app, teacher_client, changed):
    draft_id = start_draft(teacher_client)
    upload(teacher_client, draft_id)
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    name = stored_name(app, answer["id"])
    with app.test_request_context():
        store = storage.store()
        store.delete(db.session(), name)
        if changed is not None:
            store.put(db.session(), name, changed)
        db.session().commit()
    assert teacher_client.get(f"/attachments/{answer['id']}").status_code == 404


@pytest.mark.parametrize("config", ["database"], indirect=True)
def test_the_databases_bytes_go_with_their_row_whoever_deletes_it(app, teacher_client):
    draft_id = start_draft(teacher_client)
    upload(teacher_client, draft_id)
    assert len(held(app)) == 1
    with database(app) as s:  # as a bulk deletion would, knowing nothing of stores
        s.execute(delete(Attachment))
        s.commit()
    assert held(app) == {}


def test_a_file_uploaded_through_one_server_downloads_through_another(app, config, clock, tmp_path, teacher,
                                                                      teacher_client):
    draft_id = start_draft(teacher_client)
    upload(teacher_client, draft_id)
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    other = make_app({**config, "UPLOAD_FOLDER": str(tmp_path / "other-server")}, clock)
    try:
        with other.app_context():
            extensions.catalogue().refresh(db.session(), force=True)
        client = other.test_client()
        sign_in(client, teacher)
        with client.get(f"/attachments/{answer['id']}") as download:
            # The folder is one server's own: why it is for one server only.
            shared = config["FANLIGHT_ATTACHMENT_STORAGE"] != "local"
            assert download.status_code == (200 if shared else 404)
            assert not shared or download.get_data() == PDF
    finally:
        extensions.db_engine(other).dispose()


@pytest.mark.parametrize("setting, message", [
    ({"FANLIGHT_ATTACHMENT_STORAGE": "ftp"}, "must be local, database or s3, not 'ftp'"),
    ({"FANLIGHT_ATTACHMENT_STORAGE": "s3", "FANLIGHT_S3_BUCKET": ""}, "needs FANLIGHT_S3_BUCKET"),
])
def test_a_store_that_cannot_be_made_stops_the_server_starting(setting, message):
    with pytest.raises(RuntimeError, match=re.escape(message)):
        storage.make_store({"UPLOAD_FOLDER": "/nonexistent", **setting})
