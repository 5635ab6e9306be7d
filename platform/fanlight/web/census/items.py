"""Which referrals the census counts, and the census items of each: pure functions of what the front
door holds (no database, no Flask), so the rule is read and tested in one place.

The rule (`counts_as_cin_referral`): the DfE Children in Need census covers every child referred to
children's social care (CSC), even when the referral leads to no further action. A contact the front
door resolves without asking CSC to provide services (information and advice, signposting to
universal services, early help, or passing it to another council or agency, whose own census counts
it) is a contact, not a CSC referral. So a referral counts when its decision's outcome
(front-door-decision.yaml) is one of `CSC_REFERRAL_OUTCOMES`: a child in need assessment (s17), a
strategy discussion (s47), or no further action. A referral not yet decided is not counted, but it
is a gap: the census is not ready while the front door still owes decisions.

`ReferralNFA` is true exactly when the outcome is "no further action": the front door accepted the
request as a CSC referral and decided it needed nothing more, which is what the DfE's "referral with
no further action" means; s17 and s47 outcomes go on to further action (false).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from . import codes
from .year import CensusYear

# The decision's `outcome` of a referral to children's social care, and its ReferralNFA.
CSC_REFERRAL_OUTCOMES: dict[str, bool] = {
    "nfa": True,  # No further action
    "cin_s17": False,  # Child in need assessment (section 17)
    "strategy_s47": False,  # Strategy discussion (section 47)
}
OPEN = ("received", "in_triage", "awaiting_information")  # the front door still owes a decision
DECIDED = ("decided", "delivered")
UPN = re.compile(r"[A-Z]\d{11}[0-9A-Z]")


class Standing(StrEnum):
    """What a referral received in the year is to the census."""

    REFERRAL = "referral"  # a CSC referral: in the census
    AWAITING_DECISION = "awaiting_decision"  # not decided yet: a gap
    NOT_A_REFERRAL = "not_a_referral"  # a contact resolved at the front door: not in the census
    WITHDRAWN = "withdrawn"  # withdrawn by the referrer before a decision: not in the census


def counts_as_cin_referral(status: str, decision: Mapping[str, Any] | None) -> bool:
    """THE RULE: a referral is in the CIN census when the front door decided it and the decision's
    outcome asks children's social care to act or to decide no further action (see the module)."""
    return status in DECIDED and decision is not None and decision.get("outcome") in CSC_REFERRAL_OUTCOMES


def referral_nfa(decision: Mapping[str, Any]) -> bool:
    """ReferralNFA: the outcome is no further action."""
    return CSC_REFERRAL_OUTCOMES.get(str(decision.get("outcome")), False)


@dataclass(frozen=True)
class ReferralFacts:
    """What the front door holds of a referral, as the census reads it."""

    submission_id: str
    reference: str
    received_on: datetime.date  # the front door's local date of receipt: CINreferralDate
    status: str
    decision: Mapping[str, Any] | None  # the newest decision's answers (front-door-decision)
    referral_source: str | None  # the referral's CIN code, from its agency's type, as sent
    answers: Mapping[str, Any]
    case_id: str | None = None  # the case system's id for it, once it acknowledged the delivery


@dataclass(frozen=True)
class Lookups:
    """Option values to census codes (the `code` of definitions/options ethnicity and disabilities)."""

    ethnicity: Mapping[str, str] = field(default_factory=dict)
    disability: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Gap:
    """A census item missing (or not a census code): on the referral, or on one of its children."""

    what: str
    child: int | None = None  # the child's position in the referral's children (1 is the first)

    def __str__(self) -> str:
        return f"Child {self.child}: {self.what}" if self.child is not None else self.what


@dataclass(frozen=True)
class ChildRecord:
    """One `Child` of the census, with the one `CINdetails` episode of this referral."""

    position: int
    la_child_id: str
    upn: str | None
    upn_unknown: str | None
    birth_date: datetime.date | None
    expected_birth_date: datetime.date | None
    sex: str | None
    ethnicity: str | None
    disabilities: tuple[str, ...]
    referral_date: datetime.date
    referral_source: str | None
    primary_need: str | None
    referral_nfa: bool


@dataclass(frozen=True)
class CensusReferral:
    """A referral received in the year: what it is to the census, its children's records (when it
    counts) and its gaps (when it counts, or while it waits for a decision)."""

    submission_id: str
    reference: str
    received_on: datetime.date
    standing: Standing
    outcome: str | None
    children: tuple[ChildRecord, ...]
    gaps: tuple[Gap, ...]

    def ready(self, record: ChildRecord) -> bool:
        """A child's record has every item: no gap on it nor on its referral."""
        return not any(g.child is None or g.child == record.position for g in self.gaps)


@dataclass(frozen=True)
class Census:
    """The referrals of a census year, as the census sees them."""

    year: CensusYear
    referrals: tuple[CensusReferral, ...]

    @property
    def counted(self) -> tuple[CensusReferral, ...]:
        return tuple(r for r in self.referrals if r.standing == Standing.REFERRAL)

    @property
    def children(self) -> tuple[ChildRecord, ...]:
        return tuple(c for r in self.counted for c in r.children)

    @property
    def with_gaps(self) -> tuple[CensusReferral, ...]:
        return tuple(r for r in self.referrals if r.gaps)

    @property
    def gaps(self) -> int:
        return sum(len(r.gaps) for r in self.referrals)

    @property
    def ready_children(self) -> int:
        return sum(1 for r in self.counted for c in r.children if r.ready(c))

    def count(self, standing: Standing) -> int:
        return sum(1 for r in self.referrals if r.standing == standing)


def census_referral(facts: ReferralFacts, lookups: Lookups) -> CensusReferral:
    """A referral's standing, records and gaps."""
    standing = _standing(facts)
    outcome = str(facts.decision.get("outcome")) if facts.decision and facts.decision.get("outcome") else None
    if standing in (Standing.NOT_A_REFERRAL, Standing.WITHDRAWN):
        return CensusReferral(facts.submission_id, facts.reference, facts.received_on, standing, outcome, (), ())
    gaps: list[Gap] = []
    if standing == Standing.AWAITING_DECISION:
        gaps.append(Gap("no decision yet"))
    source = _referral_source(facts)
    if source is None:
        gaps.append(Gap("no source of referral (ReferralSource)"))
    elif source not in codes.REFERRAL_SOURCES:
        gaps.append(Gap(f"source of referral '{source}' is not a census code"))
    nfa = standing == Standing.REFERRAL and facts.decision is not None and referral_nfa(facts.decision)
    need = _primary_need(facts)
    if need is not None and need not in codes.PRIMARY_NEEDS:
        gaps.append(Gap(f"primary need '{need}' is not a census code"))
    elif need is None and standing == Standing.REFERRAL and not nfa:
        gaps.append(Gap("no primary need (PrimaryNeedCode), needed for a referral with further action"))
    subjects = _subjects(facts.answers)
    if not subjects:
        gaps.append(Gap("no child the referral is about"))
    children = []
    for position, child in subjects:
        record, child_gaps = _child(facts, lookups, position, child, len(subjects), source, need, nfa,
                                    decided=standing == Standing.REFERRAL)
        children.append(record)
        gaps.extend(child_gaps)
    kept = tuple(children) if standing == Standing.REFERRAL else ()
    return CensusReferral(facts.submission_id, facts.reference, facts.received_on, standing, outcome, kept, tuple(gaps))


def census_of(year: CensusYear, facts: Sequence[ReferralFacts], lookups: Lookups) -> Census:
    return Census(year, tuple(census_referral(f, lookups) for f in facts))


def _standing(facts: ReferralFacts) -> Standing:
    if facts.status == "withdrawn":
        return Standing.WITHDRAWN
    if facts.status in DECIDED and facts.decision is not None:
        return Standing.REFERRAL if counts_as_cin_referral(facts.status, facts.decision) else Standing.NOT_A_REFERRAL
    return Standing.AWAITING_DECISION


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _referral_source(facts: ReferralFacts) -> str | None:
    decided = _text((facts.decision or {}).get("cin_referral_source"))
    return decided or _text(facts.referral_source)


def _primary_need(facts: ReferralFacts) -> str | None:
    return _text((facts.decision or {}).get("primary_need"))


def _subjects(answers: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The children the referral is about, with their positions: every child of the `children`
    repeat except brothers and sisters listed for information only (`subject_of_concern` no)."""
    children = answers.get("children")
    listed = [c for c in children if isinstance(c, Mapping)] if isinstance(children, list) else []
    return [(n, c) for n, c in enumerate(listed, start=1) if c.get("subject_of_concern") is not False]


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def la_child_id(facts: ReferralFacts, position: int, subjects: int) -> str:
    """LAchildID (letters and digits, at most 20): the case system's id for the referral when it has
    one and the referral is about one child; otherwise that id, or the Fanlight reference without its
    hyphens, then "C" and the child's position on the referral (FLABCDEFGHC2: its second child)."""
    case_id = re.sub(r"[^0-9A-Za-z]", "", facts.case_id or "")
    if case_id and subjects == 1:
        return case_id
    base = case_id or re.sub(r"[^0-9A-Za-z]", "", facts.reference)
    return f"{base}C{position}"


def _child(facts: ReferralFacts, lookups: Lookups, position: int, child: Mapping[str, Any], subjects: int,
           source: str | None, need: str | None, nfa: bool, *, decided: bool) -> tuple[ChildRecord, list[Gap]]:
    gaps: list[Gap] = []
    unborn = child.get("unborn")
    birth = None if unborn is True else _date(child.get("child_dob"))
    expected = _date(child.get("child_edd")) if unborn is True else None
    if unborn is True and expected is None:
        gaps.append(Gap("no expected date of delivery (ExpectedPersonBirthDate)", position))
    elif unborn is not True and birth is None:
        gaps.append(Gap("no date of birth (PersonBirthDate)", position))
    sex = "U" if unborn is True else codes.SEX.get(str(child.get("sex")))
    if sex is None:
        gaps.append(Gap("no sex recorded (Sex)", position))
    ethnicity = lookups.ethnicity.get(str(child.get("ethnicity")))
    if ethnicity not in codes.ETHNICITIES:
        ethnicity = None
        gaps.append(Gap("no ethnicity code (Ethnicity)", position))
    chosen = child.get("disability")
    coded = [lookups.disability.get(str(v)) for v in chosen] if isinstance(chosen, list) else []
    disabilities = tuple(dict.fromkeys(c for c in coded if c in codes.DISABILITIES))
    if not disabilities and unborn is not True and not nfa:
        gaps.append(Gap("no disability code (Disability)", position))
    upn = _text(child.get("upn"))
    upn = upn if upn is not None and unborn is not True and UPN.fullmatch(upn) else None
    record = ChildRecord(
        position=position, la_child_id=la_child_id(facts, position, subjects), upn=upn,
        upn_unknown=None if upn else _upn_unknown(unborn is True, nfa and decided, birth, facts.received_on),
        birth_date=birth, expected_birth_date=expected, sex=sex, ethnicity=ethnicity, disabilities=disabilities,
        referral_date=facts.received_on, referral_source=source if source in codes.REFERRAL_SOURCES else None,
        primary_need=need if need in codes.PRIMARY_NEEDS else None, referral_nfa=nfa)
    return record, gaps


def _upn_unknown(unborn: bool, nfa: bool, birth: datetime.date | None, on: datetime.date) -> str | None:
    """Why a child has no UPN, where the front door knows: unborn (UN6), a referral with no further
    action (UN7), not yet of school age (UN1: under 6); otherwise not said (the validator's 8770Q asks
    for one for a child of school age)."""
    if unborn:
        return codes.UPN_UNBORN
    if nfa:
        return codes.UPN_NFA
    if birth is not None and birth > _school_age_cutoff(on):
        return codes.UPN_UNDER_SIX
    return None


def _school_age_cutoff(on: datetime.date) -> datetime.date:
    """Born on or before this day, a child is of school age for the census year of `on` (as the
    validator's 8770Q reads it: 31 August after the reference date, less six years), and UN1 is no
    reason for a missing UPN."""
    return datetime.date(CensusYear.of(on).last_day.year - 6, 8, 31)
