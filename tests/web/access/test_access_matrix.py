"""The access matrix (QUALITY §11): 200 submissions across 5 agencies, and 25 open drafts, each with
an attachment. Every person (a professional at each agency and a colleague at one of them, one of
each other role, and nobody signed in) asks for every record through every kind of route that
shows one: a page, the htmx fragment, the attachment and the JSON view. Nobody reads a record they
are not entitled to, and every refusal writes exactly one audit row. (Every other route that takes
a record is walked for one intruder in test_access.py.)

Who is entitled is written down once, in `entitled()`: a record's owner (the professional who
made it) through the professional's routes, and officers and managers (the `triage` permission)
through the front door's referral page, which refuses everyone else by role (403).
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from fanlight.engine import evaluate
from fanlight.web import db, extensions
from fanlight.web.access.permissions import allowed
from fanlight.web.models import Attachment, AuditEvent, Draft, Submission
from tests.support.factories import FORM, TODAY, complete_answers, csrf_from, database, make_user, sign_in

AGENCIES = ["demo-primary-school", "demo-surgery", "county-police", "county-health-visiting", "families-first-charity"]
STAFF = ["front_door_officer", "manager", "service_lead", "it_reviewer", "administrator"]
SUBMISSIONS, DRAFTS = 200, 25
SECTION = "about-this-referral"


@dataclass(frozen=True)
class Person:
    id: int | None  # None: nobody signed in
    email: str
    role: str
    agency: str
    password: str = ""


@dataclass(frozen=True)
class Record:
    kind: str  # "submission" or "draft"
    id: str
    draft_id: str
    attachment_id: str
    owner_id: int
    agency: str
    canary: str
    reference: str = ""


FRONT_DOOR = "front door"


def entitled(person: Person, record: Record, kind: str) -> bool:
    """Who may read a record: its owner, and at the front door its officers and managers (DESIGN §7)."""
    if kind == FRONT_DOOR:
        return person.id is not None and allowed(person.role, "triage")
    return person.id is not None and person.id == record.owner_id


# Route kinds: (name, method, path for a record, what a refusal audits as its target)
KINDS: dict[str, list[tuple[str, str, str, str]]] = {
    "submission": [
        ("page", "GET", "/submissions/{id}/print", "submission {id}"),
        ("json", "GET", "/submissions/{id}.json", "submission {id}"),
        ("attachment", "GET", "/attachments/{attachment_id}", "attachment {attachment_id}"),
        (FRONT_DOOR, "GET", "/front-door/referrals/{reference}", "referral {id}"),
    ],
    "draft": [
        ("page", "GET", "/drafts/{id}/check", "draft {id}"),
        ("htmx fragment", "POST", f"/drafts/{{id}}/sections/{SECTION}/live", "draft {id}"),
        ("attachment", "GET", "/attachments/{attachment_id}", "attachment {attachment_id}"),
    ],
}


def seed(app: Flask) -> tuple[list[Person], list[Record]]:
    """6 professionals (one per agency, two at the first) and one person in each other role; 200
    submissions and 25 open drafts owned round-robin by the professionals, each with a PDF
    attachment, written straight into the database and the upload folder (fast: no pages are
    filled in)."""
    people = [Person(None, "", "nobody", "")]
    for agency in AGENCIES:
        for n in (1, 2) if agency == AGENCIES[0] else (1,):
            user = make_user(app, "professional", email=f"pro{n}@{agency}.example", agency=agency)
            people.append(Person(user.id, user.email, "professional", agency, user.password))
    for role in STAFF:
        user = make_user(app, role, email=f"{role.replace('_', '-')}@council.example", agency="Family Front Door")
        people.append(Person(user.id, user.email, role, "family-front-door", user.password))
    owners = [p for p in people if p.role == "professional"]

    with app.test_request_context():
        app.extensions[extensions.CATALOGUE].refresh(db.session(), force=True)
        catalogue = app.extensions[extensions.CATALOGUE]
        compiled, live = catalogue.current(FORM), catalogue.live
    base = complete_answers()
    stored = evaluate(compiled, base, today=TODAY).to_json()
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    records: list[Record] = []
    rows: list[Any] = []
    owner_cycle = itertools.cycle(owners)
    for kind, total in (("submission", SUBMISSIONS), ("draft", DRAFTS)):
        for i in range(total):
            owner = next(owner_cycle)
            canary = f"canary-{kind[0]}{i:04d}z"
            draft_id, attachment_id = secrets.token_hex(16), secrets.token_hex(16)
            data = b"%PDF-1.4\n% " + canary.encode() + b"\n%%EOF\n"
            stored_name = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
            (folder / stored_name).write_bytes(data)
            file = {"id": attachment_id, "name": f"{canary}.pdf", "size": len(data), "type": "application/pdf"}
            answers = {**base, "dsl_name": canary, "attachments": [file]}
            rows.append(Draft(id=draft_id, owner_id=owner.id, form_id=FORM, form_version=compiled.version,
                              form_hash=compiled.form.content_hash, publication_id=live, visited=[],
                              answers=answers if kind == "draft" else {}, revision=1,
                              status="draft" if kind == "draft" else "submitted"))
            rows.append(Attachment(id=attachment_id, owner_id=owner.id, draft_id=draft_id, field_id="attachments",
                                   stored_name=stored_name, original_name=file["name"], media_type="application/pdf",
                                   size=len(data), sha256=hashlib.sha256(data).hexdigest()))
            record_id = draft_id
            if kind == "submission":
                record_id = secrets.token_hex(16)
                rows.append(Submission(id=record_id, reference=f"FL-{i:04d}-MTRX", draft_id=draft_id,
                                       owner_id=owner.id, agency=owner.agency, form_id=FORM,
                                       form_version=compiled.version, form_hash=compiled.form.content_hash,
                                       publication_id=live, answers=answers, evaluation=stored))
            records.append(Record(kind, record_id, draft_id, attachment_id, owner.id, owner.agency, canary,
                                  f"FL-{i:04d}-MTRX" if kind == "submission" else ""))
    with database(app) as s:
        for row in rows:  # drafts before their attachments and submissions (foreign keys)
            s.add(row)
            if isinstance(row, Draft):
                s.flush()
        s.commit()
    return people, records


def test_two_hundred_records_across_five_agencies_are_readable_only_by_those_entitled(app: Flask) -> None:
    _commit_without_waiting_for_the_disk(app)
    people, records = seed(app)
    assert len({r.agency for r in records}) == 5 and sum(r.kind == "submission" for r in records) == SUBMISSIONS
    canaries = {r.canary for r in records}
    expected_denials: collections.Counter[tuple[int, str]] = collections.Counter()
    read = leaked = checked = 0
    for person in people:
        client = app.test_client()
        if person.id is not None:
            sign_in(client, person)  # type: ignore[arg-type]
        token = csrf_from(client.get("/account" if person.id else "/sign-in").get_data(as_text=True))
        for record in records:
            for name, method, pattern, target in KINDS[record.kind]:
                path = pattern.format(id=record.id, attachment_id=record.attachment_id, reference=record.reference)
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data={"revision": "1"},
                                           headers={"HX-Request": "true", "X-CSRFToken": token})
                body = response.get_data(as_text=True)
                response.close()
                checked += 1
                others = [c for c in canaries if c in body and c != record.canary]
                assert not others, (person.email, name, path, others[:3])
                if entitled(person, record, name):
                    assert response.status_code == 200, (person.email, name, path, response.status_code)
                    if name != "htmx fragment":
                        assert record.canary in body, (person.email, name, path)
                    read += 1
                    continue
                if record.canary in body:
                    leaked += 1
                assert record.canary not in body, (person.email, name, path)
                if person.id is None:
                    assert response.status_code in (302, 401), (name, path, response.status_code)
                    continue
                if name == FRONT_DOOR or not allowed(person.role, "refer"):  # refused by role
                    assert response.status_code == 403, (person.email, name, path, response.status_code)
                    expected_denials[(person.id, f"{method} {path}")] += 1
                else:
                    assert response.status_code == 404, (person.email, name, path, response.status_code)
                    expected_denials[(person.id, target.format(id=record.id, attachment_id=record.attachment_id))] += 1
    assert leaked == 0
    staff = sum(allowed(p.role, "triage") for p in people)
    assert read == sum(len(KINDS[r.kind]) - (r.kind == "submission") for r in records) + staff * SUBMISSIONS
    assert checked == len(people) * sum(len(KINDS[r.kind]) for r in records)

    with database(app) as s:
        rows = s.query(AuditEvent.actor_id, AuditEvent.target).filter(AuditEvent.event == "access_denied").all()
    actual = collections.Counter((actor, target) for actor, target in rows)
    assert actual == expected_denials, "every refusal must write exactly one access_denied row, and nothing else"
    assert sum(actual.values()) == checked - read - sum(len(KINDS[r.kind]) for r in records)  # less the anonymous



def _commit_without_waiting_for_the_disk(app: Flask) -> None:
    """Thousands of refusals, each committing its audit row: commit without waiting for the disk
    (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off; the data is the same, only
    its durability across a power cut is not), so the matrix takes seconds, not minutes."""
    engine = extensions.db_engine(app)
    engine.dispose()
    setting = "PRAGMA synchronous=NORMAL" if engine.dialect.name == "sqlite" else "SET synchronous_commit = off"

    def quick(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(setting)
        cursor.close()
        if engine.dialect.name != "sqlite":
            connection.commit()

    event.listen(engine, "connect", quick)
