"""Reading KL's subject classification (KLE) from KL's XML or JSON format.

KL publishes the plan (KLE-Emneplan) as XML: Hovedgruppe elements (main
groups, `HovedgruppeNr` "27", `HovedgruppeTitel`) holding Gruppe elements
("27.24") holding Emne elements ("27.24.00"), each with administrative
information whose `UdgaaetDato` marks a retired number. The JSON form has the
same names as keys (a single child may be an object instead of a list).
Namespaces are ignored. Nothing here writes; `services.update_kle` does.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree
from django.utils.translation import gettext as _

from tillid.organisation.models import KLELevel

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "kle-emneplan.xml"

_PATTERNS = {
    KLELevel.MAIN_GROUP: re.compile(r"^\d\d$"),
    KLELevel.GROUP: re.compile(r"^\d\d\.\d\d$"),
    KLELevel.TOPIC: re.compile(r"^\d\d\.\d\d\.\d\d$"),
}
# Element names per level: (container, number, title, administrative info).
_NAMES = {
    KLELevel.MAIN_GROUP: (
        "Hovedgruppe",
        "HovedgruppeNr",
        "HovedgruppeTitel",
        "HovedgruppeAdministrativInfo",
    ),
    KLELevel.GROUP: ("Gruppe", "GruppeNr", "GruppeTitel", "GruppeAdministrativInfo"),
    KLELevel.TOPIC: ("Emne", "EmneNr", "EmneTitel", "EmneAdministrativInfo"),
}
_CHILD = {KLELevel.MAIN_GROUP: KLELevel.GROUP, KLELevel.GROUP: KLELevel.TOPIC}


@dataclass(frozen=True)
class KLEEntry:
    number: str
    title: str
    level: str
    parent: str | None
    expired_on: date | None = None


@dataclass
class KLEPlan:
    published_on: str = ""
    entries: list[KLEEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class KLEFormatError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _date(text: str | None) -> date | None:
    text = (text or "").strip()[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _add(plan: KLEPlan, level: str, number, title, parent: str | None, expired) -> str | None:
    number, title = str(number or "").strip(), " ".join(str(title or "").split())
    where = number or _("(no number)")
    if not _PATTERNS[level].match(number):
        plan.errors.append(
            _("“%(number)s” is not a KLE number of its level (27, 27.24 or 27.24.00).")
            % {"number": where}
        )
        return None
    if parent is not None and not number.startswith(parent + "."):
        plan.errors.append(
            _("%(number)s is placed under %(parent)s, which it does not belong to.")
            % {"number": number, "parent": parent}
        )
    if not title:
        plan.errors.append(_("%(number)s has no title.") % {"number": where})
    plan.entries.append(KLEEntry(number, title[:300], level, parent, _date(expired)))
    return number


def _from_xml(root, plan: KLEPlan) -> None:
    def child(element, name):
        return next((c for c in element if _local(c.tag) == name), None)

    def text(element, name):
        found = child(element, name)
        return found.text if found is not None else ""

    def expired(element, info_name):
        info = child(element, info_name)
        return text(info, "UdgaaetDato") if info is not None else ""

    def walk(element, level: str, parent: str | None) -> None:
        _container, nr, title, info = _NAMES[level]
        number = _add(
            plan, level, text(element, nr), text(element, title), parent, expired(element, info)
        )
        if number is None or level not in _CHILD:
            return
        below = _CHILD[level]
        for c in element:
            if _local(c.tag) == _NAMES[below][0]:
                walk(c, below, number)

    plan.published_on = (text(root, "UdgivelsesDato") or "").strip()
    for element in root.iter():
        if _local(element.tag) == "Hovedgruppe":
            walk(element, KLELevel.MAIN_GROUP, None)


def _from_json(data, plan: KLEPlan) -> None:
    def as_list(value) -> list:
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def walk(obj: dict, level: str, parent: str | None) -> None:
        _container, nr, title, info = _NAMES[level]
        admin = obj.get(info) or {}
        number = _add(
            plan,
            level,
            obj.get(nr),
            obj.get(title),
            parent,
            admin.get("UdgaaetDato") if isinstance(admin, dict) else "",
        )
        if number is None or level not in _CHILD:
            return
        below = _CHILD[level]
        for c in as_list(obj.get(_NAMES[below][0])):
            if isinstance(c, dict):
                walk(c, below, number)

    if isinstance(data, dict) and "KLE-Emneplan" in data:
        data = data["KLE-Emneplan"]
    if isinstance(data, dict):
        plan.published_on = str(data.get("UdgivelsesDato") or "")
        data = data.get("Hovedgruppe")
    for obj in as_list(data):
        if isinstance(obj, dict):
            walk(obj, KLELevel.MAIN_GROUP, None)


def parse_kle(content: bytes) -> KLEPlan:
    """The numbers in a KLE file (XML or JSON); raises KLEFormatError listing every problem."""
    plan = KLEPlan()
    text = content.decode("utf-8-sig", errors="replace").lstrip()
    if text.startswith(("{", "[")):
        try:
            _from_json(json.loads(text), plan)
        except json.JSONDecodeError as exc:
            raise KLEFormatError(
                [_("The file is not valid JSON: %(error)s") % {"error": exc}]
            ) from None
    else:
        try:
            root = ElementTree.fromstring(content)
        except (ParseError, ValueError) as exc:
            raise KLEFormatError(
                [_("The file is not valid XML: %(error)s") % {"error": exc}]
            ) from None
        _from_xml(root, plan)
    seen: set[str] = set()
    for entry in plan.entries:
        if entry.number in seen:
            plan.errors.append(_("%(number)s appears more than once.") % {"number": entry.number})
        seen.add(entry.number)
    if not plan.entries and not plan.errors:
        plan.errors.append(_("The file has no KLE numbers (no Hovedgruppe elements)."))
    if plan.errors:
        raise KLEFormatError(plan.errors)
    return plan
