"""A person's delegation records, exported on request (JSON or XLSX)."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.exports import Sheet, xlsx_bytes
from tillid.delegation import selectors
from tillid.delegation.access import Subject

DOSING_FIELDS = (
    "id",
    "task",
    "competence",
    "intention",
    "resources",
    "consequence",
    "reversibility",
    "suggested_step",
    "chosen_step",
    "reason",
    "review_on",
    "source",
    "created_at",
)
BREACH_FIELDS = (
    "id",
    "dosing_id",
    "happened_on",
    "what_happened",
    "cause_competence",
    "cause_intention",
    "cause_resources",
    "cause_circumstances",
    "bad_faith_suspected",
    "shared_own_mistakes",
    "explored_both_sides",
    "learning_over_blame",
    "automatic_reactions_noticed",
    "repair_notes",
    "outcome",
    "adjusted_dosing_id",
    "lesson",
    "lesson_shared",
    "created_at",
)
TRUST_TEST_FIELDS = (
    "id",
    "trust_task",
    "step_from",
    "step_to",
    "risk",
    "risk_note",
    "outcome",
    "outcome_note",
    "stage",
    "start_date",
    "end_date",
)
READ_FIELDS = ("reader_name", "kind", "record_id", "read_at")


def _rows(queryset, fields) -> list[dict]:
    return [{f: getattr(obj, f) for f in fields} for obj in queryset]


def collect(subject: Subject) -> dict:
    person = subject.person
    return {
        "person": {"id": person.pk, "name": person.name, "unit": person.unit.name},
        "exported_at": timezone.now(),
        "dosings": _rows(selectors.dosings_for(subject), DOSING_FIELDS),
        "breaches": _rows(selectors.breaches_for(subject), BREACH_FIELDS),
        "trust_tests": _rows(selectors.trust_tests(subject), TRUST_TEST_FIELDS),
        "reads": _rows(selectors.read_log(subject), READ_FIELDS),
    }


def as_json(subject: Subject) -> bytes:
    return json.dumps(
        collect(subject), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    ).encode()


def as_xlsx(subject: Subject) -> bytes:
    data = collect(subject)
    person = [
        [_("Name"), data["person"]["name"]],
        [_("Unit"), data["person"]["unit"]],
        [_("Exported"), data["exported_at"]],
    ]
    sheets = [Sheet(_("Person"), person)]
    for key, title, fields in (
        ("dosings", _("Dosings"), DOSING_FIELDS),
        ("breaches", _("Breaches"), BREACH_FIELDS),
        ("trust_tests", _("Trust tests"), TRUST_TEST_FIELDS),
        ("reads", _("Read log"), READ_FIELDS),
    ):
        rows = [list(fields)] + [[row[f] for f in fields] for row in data[key]]
        sheets.append(Sheet(title, rows))
    return xlsx_bytes(sheets)
