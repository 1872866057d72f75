"""Import of past responses from another survey tool, all or nothing.

One row per respondent, one column per item code of the instrument, and
optionally a unit column (the unit's external id) and a role column
(leder/medarbejder). Answers are whole numbers on the instrument's scale;
an empty cell or "ved ikke" is "don't know". Every bad cell is reported with
its line and column, and nothing is saved unless the whole file is sound.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tillid.compass import services
from tillid.compass.instruments import spec_for
from tillid.compass.models import Instrument, Response, RoleGroup, Round
from tillid.core.tabular import RowError, TabularFileError, read_file
from tillid.organisation.models import Unit

ALIASES = {
    "enhed": "unit",
    "enhed_id": "unit",
    "unit_external_id": "unit",
    "enhedens_id": "unit",
    "rolle": "role",
    "rollegruppe": "role",
    "role_group": "role",
    "kommentar": "comment",
}
LEADER_WORDS = {"leder", "leader", "l"}
EMPLOYEE_WORDS = {"medarbejder", "employee", "m", ""}
DONT_KNOW_WORDS = {"", "ved ikke", "vi", "dk", "don't know", "na"}


@dataclass
class ImportResult:
    round: Round | None = None
    count: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_responses(
    *,
    instrument: Instrument,
    name: str,
    root: Unit,
    closes_on: date,
    filename: str,
    content: bytes,
    created_by=None,
) -> ImportResult:
    result = ImportResult()
    try:
        tables = read_file(filename, content, aliases=ALIASES)
    except TabularFileError as exc:
        result.errors.append(RowError(table=filename, line=0, column="", message=str(exc)))
        return result
    table = tables[0] if tables else None
    if table is None or not table.rows:
        result.errors.append(
            RowError(table=filename, line=0, column="", message=_("The file has no rows."))
        )
        return result
    spec = spec_for(instrument)
    codes = set(spec.item_codes)
    known_columns = codes | {"unit", "role", "comment"}
    unknown = [h for h in table.headers if h and h not in known_columns]
    for header in unknown:
        result.errors.append(
            RowError(
                table=table.name,
                line=1,
                column=header,
                message=_(
                    "Unknown column: it is neither an item code of %(instrument)s nor unit, role or comment."
                )
                % {"instrument": instrument.code},
            )
        )
    if not codes & set(table.headers):
        result.errors.append(
            RowError(
                table=table.name,
                line=1,
                column="",
                message=_("No column has the code of an item in the questionnaire."),
            )
        )
    if Round.objects.filter(name=name.strip(), instrument__code=instrument.code).exists():
        result.errors.append(
            RowError(
                table=table.name,
                line=0,
                column="",
                message=_("A round called %(name)s already exists for this questionnaire.")
                % {"name": name},
            )
        )
    units = {
        u.external_id: u
        for u in Unit.objects.filter(path__startswith=root.path).only("id", "external_id", "path")
    }
    rows = []
    for row in table.rows:
        answers = {}
        for code in codes & set(table.headers):
            raw = row.get(code).strip().lower()
            if raw in DONT_KNOW_WORDS:
                continue
            try:
                value = int(float(raw.replace(",", ".")))
                if float(raw.replace(",", ".")) != value:
                    raise ValueError
            except ValueError:
                value = None
            if value is None or not spec.low <= value <= spec.high:
                result.errors.append(
                    RowError(
                        table=table.name,
                        line=row.line,
                        column=code,
                        message=_(
                            "“%(value)s” is not an answer from %(low)s to %(high)s or “ved ikke”."
                        )
                        % {"value": row.get(code), "low": spec.low, "high": spec.high},
                    )
                )
                continue
            answers[code] = value
        unit = root
        if "unit" in table.headers and row.get("unit"):
            unit = units.get(row.get("unit").strip())
            if unit is None:
                result.errors.append(
                    RowError(
                        table=table.name,
                        line=row.line,
                        column="unit",
                        message=_("No unit with the id %(id)s in %(root)s.")
                        % {"id": row.get("unit"), "root": root.name},
                    )
                )
                continue
        role_text = row.get("role").strip().lower()
        if role_text in LEADER_WORDS:
            role = RoleGroup.LEADER
        elif role_text in EMPLOYEE_WORDS:
            role = RoleGroup.EMPLOYEE
        else:
            result.errors.append(
                RowError(
                    table=table.name,
                    line=row.line,
                    column="role",
                    message=_("The role must be “leder” or “medarbejder”."),
                )
            )
            continue
        rows.append((unit, role, answers, row.get("comment")))
    if result.errors:
        return result
    with transaction.atomic():
        round_ = Round.objects.create(
            name=name.strip(),
            instrument=instrument,
            root=root,
            tree=services.unit_tree(root),
            opens_on=closes_on,
            closes_on=closes_on,
            min_group=settings.TILLID_ANONYMITY_MIN_GROUP,
            min_comment_group=settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP,
            is_imported=True,
            created_by=created_by,
        )
        Response.objects.bulk_create(
            [
                services.response_sheet(
                    spec=spec,
                    round_id=round_.pk,
                    unit_id=unit.pk,
                    role_group=role,
                    submitted_on=closes_on,
                    answers=answers,
                    comment=comment or "",
                )
                for unit, role, answers, comment in rows
            ],
            batch_size=1000,
        )
    result.round = round_
    result.count = len(rows)
    return result
