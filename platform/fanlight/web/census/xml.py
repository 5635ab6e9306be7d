"""The census as the DfE's XML: the items the front door owns, in the XSD's element names and order.

    Message
      Header
        CollectionDetails: Collection (CIN), Year (2027 for 2026-27), ReferenceDate (2027-03-31)
        Source: SourceLevel (L), LEA (the council's 3-digit code), SoftwareCode, Release, SerialNo, DateTime
      Children
        Child (one per child a counted referral is about)
          ChildIdentifiers: LAchildID, UPN | UPNunknown, PersonBirthDate | ExpectedPersonBirthDate, Sex
          ChildCharacteristics: Ethnicity, Disabilities/Disability*
          CINdetails: CINreferralDate, ReferralSource, PrimaryNeedCode, ReferralNFA

Items the front door does not hold (closure, assessments, plans, section 47, protection plans,
former UPN, date of death) are left out: the case system's extract adds them. An item the front door
lacks is left out too (the census readiness page and the export's summary list it), so the
validator reports it as missing rather than reading a made-up value.
"""

from __future__ import annotations

import datetime
from importlib import metadata
from xml.etree import ElementTree as ET  # noqa: S405 (writing, never parsing)

from .items import Census, ChildRecord

SOFTWARE = "Fanlight"


def _release() -> str:
    try:
        return metadata.version("fanlight")
    except metadata.PackageNotFoundError:
        return "0"


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _date(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def document(census: Census, la_code: str, written_at: datetime.datetime) -> ET.Element:
    """The census's `Message` (written_at: the local time it is written, for the header)."""
    message = ET.Element("Message")
    header = _add(message, "Header")
    details = _add(header, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", census.year.collection_year)
    _add(details, "ReferenceDate", census.year.last_day.isoformat())
    source = _add(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", la_code)
    _add(source, "SoftwareCode", SOFTWARE)
    _add(source, "Release", _release())
    _add(source, "SerialNo", "001")
    _add(source, "DateTime", written_at.replace(tzinfo=None, microsecond=0).isoformat())
    children = _add(message, "Children")
    for record in census.children:
        _child(children, record)
    return message


def _child(children: ET.Element, record: ChildRecord) -> None:
    child = _add(children, "Child")
    identifiers = _add(child, "ChildIdentifiers")
    _add(identifiers, "LAchildID", record.la_child_id)
    optional = [("UPN", record.upn), ("UPNunknown", record.upn_unknown),
                ("PersonBirthDate", _date(record.birth_date)),
                ("ExpectedPersonBirthDate", _date(record.expected_birth_date)), ("Sex", record.sex)]
    for tag, value in optional:
        if value is not None:
            _add(identifiers, tag, value)
    characteristics = _add(child, "ChildCharacteristics")
    if record.ethnicity is not None:
        _add(characteristics, "Ethnicity", record.ethnicity)
    if record.disabilities:
        disabilities = _add(characteristics, "Disabilities")
        for code in record.disabilities:
            _add(disabilities, "Disability", code)
    details = _add(child, "CINdetails")
    _add(details, "CINreferralDate", record.referral_date.isoformat())
    if record.referral_source is not None:
        _add(details, "ReferralSource", record.referral_source)
    if record.primary_need is not None:
        _add(details, "PrimaryNeedCode", record.primary_need)
    _add(details, "ReferralNFA", "true" if record.referral_nfa else "false")


def to_bytes(message: ET.Element) -> bytes:
    ET.indent(message)
    written: bytes = ET.tostring(message, encoding="utf-8", xml_declaration=True)
    return written + b"\n"
