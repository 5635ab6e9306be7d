"""Family context: the other referrals Fanlight holds about the same child or household (issue 9, item 5).

A referral's children (the `children` repeat of cause-for-concern) are matched, each on its
own, on three things and nothing else:

- the same NHS number (its digits);
- the same forename, surname and date of birth;
- the same surname and postcode (a brother or sister, or the same household).

Exact matches of lightly normalised values only, so every match can be explained to the officer
in words ("same NHS number"), and nothing is guessed: names are compared trimmed, with runs of
spaces made one and case ignored (`casefold`), and nothing else (no accents folded, no
nicknames, no spelling distance); postcodes uppercase without spaces; NHS numbers their digits;
dates of birth exactly as given (an unborn baby has none).

Finding the matches among a million referrals reads an index, never their answers: each
submission's keys are stored (`referral_match_keys`, written with the submission in the same
transaction: `record_keys`; deleted with it by the retention job). A key is the SHA-256 of its
kind and normalised value, so the table holds no readable personal data; matching is equality,
which a hash keeps. (A hash of a guessable value can be reversed by guessing: the table is
pseudonymised, not anonymous, and is as sensitive as the rest of the database.) The reasons
shown are worded from the referral being looked at, whose answers are already on the page.

Who may see this: front-door staff, who may see every referral (access/policies.py). Never a
referrer: it shows other people's referrals.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import db
from ..models import ReferralMatchKey, Submission

CHILDREN = "children"  # the repeat of children in cause-for-concern, and its fields
FORENAME, SURNAME, DATE_OF_BIRTH = "child_forename", "child_surname", "child_dob"
NHS_NUMBER, POSTCODE = "nhs_number", "child_postcode"

# The kinds of key, strongest first (the order reasons are given in).
NHS, NAME_AND_BIRTH, SURNAME_AND_POSTCODE = "nhs", "name_dob", "surname_postcode"
KINDS = (NHS, NAME_AND_BIRTH, SURNAME_AND_POSTCODE)


@dataclass(frozen=True)
class Key:
    """One way a referral can be matched, and the words that explain it."""

    kind: str
    key: str  # sha256 of the kind and the normalised value (hex)
    reason: str  # "same NHS number", "same name and date of birth: Leo Smith, 3 May 2018"


@dataclass
class Match:
    """Another referral about the same child or household, and every reason it matched."""

    id: str
    reference: str
    status: str
    received_at: datetime.datetime
    form_id: str
    reasons: list[str] = field(default_factory=list)


def family_context(referral: Submission) -> list[Match]:
    """Other referrals, in any state, about the same child or household as `referral`, newest
    first, each once with all its reasons; never `referral` itself."""
    keys = keys_of(referral.answers)
    if not keys:
        return []
    s = db.session()
    reasons = {k.key: k.reason for k in keys}
    by_kind: dict[str, list[str]] = {}
    for k in keys:
        by_kind.setdefault(k.kind, []).append(k.key)
    found = s.execute(
        select(ReferralMatchKey.submission_id, ReferralMatchKey.key)
        .where(or_(*(and_(ReferralMatchKey.kind == kind, ReferralMatchKey.key.in_(hashes))
                     for kind, hashes in by_kind.items())),
               ReferralMatchKey.submission_id != referral.id)).all()
    matched: dict[str, set[str]] = {}
    for submission_id, key in found:
        matched.setdefault(submission_id, set()).add(key)
    if not matched:
        return []
    rows = s.execute(
        select(Submission.id, Submission.reference, Submission.status, Submission.received_at, Submission.form_id)
        .where(Submission.id.in_(matched))
        .order_by(Submission.received_at.desc(), Submission.id.desc())).all()
    order = [k.key for k in keys]  # strongest kind first, then the children in the form's order
    return [Match(id=row.id, reference=row.reference, status=row.status, received_at=row.received_at,
                  form_id=row.form_id, reasons=[reasons[k] for k in order if k in matched[row.id]])
            for row in rows]


RE_REFERRAL = datetime.timedelta(days=365)  # a re-referral: a child referred again within 12 months


def record_keys(s: Session, submission: Submission, keys: list[Key]) -> None:
    """Store a submission's match keys (`keys_of` its answers) in the caller's transaction."""
    s.add_all(ReferralMatchKey(submission_id=submission.id, kind=k.kind, key=k.key) for k in keys)


def referred_before(s: Session, keys: list[Key], received_at: datetime.datetime) -> bool:
    """Whether a referral with these keys, received then, is a re-referral: a child on it was on a
    referral received in the 12 months before (the dashboards' figure; the family context shows
    which). Asked before the referral is written: no other referral can be itself."""
    if not keys:
        return False
    earlier = (select(ReferralMatchKey.submission_id)
               .join(Submission, Submission.id == ReferralMatchKey.submission_id)
               .where(or_(*(and_(ReferralMatchKey.kind == k.kind, ReferralMatchKey.key == k.key) for k in keys)),
                      Submission.received_at >= received_at - RE_REFERRAL,
                      Submission.received_at <= received_at).limit(1))
    return s.scalar(earlier) is not None


# The keys of a referral's answers: pure --------------------------------------------------------


def keys_of(answers: Mapping[str, Any]) -> list[Key]:
    """A referral's keys, strongest kind first, each once (two children of one household share
    their surname-and-postcode key)."""
    found: dict[str, Key] = {}
    for kind in KINDS:
        for child in _children(answers):
            for k in _child_keys(child):
                if k.kind == kind and k.key not in found:
                    found[k.key] = k
    return list(found.values())


def _children(answers: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    children = answers.get(CHILDREN)
    if isinstance(children, list):
        yield from (c for c in children if isinstance(c, Mapping))


def _child_keys(child: Mapping[str, Any]) -> Iterable[Key]:
    forename, surname = name(child.get(FORENAME)), name(child.get(SURNAME))
    nhs, postcode = nhs_number(child.get(NHS_NUMBER)), postcode_of(child.get(POSTCODE))
    born = date_of_birth(child.get(DATE_OF_BIRTH))
    if nhs:
        yield _key(NHS, nhs, "same NHS number")
    if forename and surname and born:
        yield _key(NAME_AND_BIRTH, f"{forename}|{surname}|{born.isoformat()}",
                   f"same name and date of birth: {_shown(child.get(FORENAME))} {_shown(child.get(SURNAME))}, "
                   f"{born.day} {born:%B %Y}")
    if surname and postcode:
        yield _key(SURNAME_AND_POSTCODE, f"{surname}|{postcode}",
                   f"same surname and postcode: {_shown(child.get(SURNAME))}, {_postcode_shown(postcode)}")


def _key(kind: str, value: str, reason: str) -> Key:
    return Key(kind, hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest(), reason)


def name(value: Any) -> str:
    """A name as compared: trimmed, runs of spaces made one, case ignored (casefold); nothing else."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else ""


def nhs_number(value: Any) -> str:
    return "".join(c for c in value if c.isascii() and c.isdigit()) if isinstance(value, str) else ""


def postcode_of(value: Any) -> str:
    return "".join(value.split()).upper() if isinstance(value, str) else ""


def date_of_birth(value: Any) -> datetime.date | None:
    """Exactly as given (ISO); a date typed wrongly (kept as its parts) is no date."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _shown(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _postcode_shown(compact: str) -> str:
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact
