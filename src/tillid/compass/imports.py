"""Import of past responses from another survey tool, all or nothing.

One row per respondent, one column per item code of the instrument, and
optionally a unit column (the unit's external id) and a role column
(leder/medarbejder). Answers are whole numbers on the instrument's scale;
an empty cell or "ved ikke" is "don't know". Every bad cell is reported with
its line and column, and nothing is saved unless the whole file is sound.

Headers match item codes whatever their case (survey tools export `A1`,
spreadsheets keep what was typed); answers are stored under the codes as the
instrument writes them. Runs through `tillid.core.importing`.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from tillid.compass import services
from tillid.compass.instruments import Spec, spec_for
from tillid.compass.models import Instrument, Response, RoleGroup, Round
from tillid.core import importing
from tillid.core.importing import ImportResult
from tillid.core.tabular import RowError, Table, normalise_header
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
EXTRA_COLUMNS = ("unit", "role", "comment")


@dataclass
class ResponsesReport:
    """What the import made: the new round (None in a dry run) and its responses."""

    count: int = 0
    round: Round | None = None


@dataclass
class _Row:
    line: int
    unit_id: str  # external id, "" for the round's top unit
    role: str
    answers: dict[str, int]
    comment: str


@dataclass
class _Parsed:
    table: Table
    rows: list[_Row] = field(default_factory=list)


def code_columns(spec: Spec, table: Table) -> tuple[dict[str, str], list[RowError]]:
    """The file's header keys that are item codes, mapped to the codes as written.

    Header keys are normalised (lower case, see core.tabular), so a code is
    matched by its normalised form; two codes that normalise alike cannot be
    told apart in a file and are reported.
    """
    by_key: dict[str, list[str]] = {}
    for code in spec.item_codes:
        by_key.setdefault(normalise_header(code), []).append(code)
    columns: dict[str, str] = {}
    errors: list[RowError] = []
    for key in table.headers:
        codes = by_key.get(key)
        if not codes:
            continue
        if len(codes) > 1:
            errors.append(
                RowError(
                    table=table.name,
                    line=1,
                    column=table.label(key),
                    message=_(
                        "The column matches more than one item code of the questionnaire: "
                        "%(codes)s."
                    )
                    % {"codes": ", ".join(codes)},
                )
            )
            continue
        columns[key] = codes[0]
    return columns, errors


class ResponsesImporter(importing.BaseImporter[_Parsed, _Parsed, ResponsesReport]):
    def __init__(
        self,
        *,
        instrument: Instrument,
        name: str,
        root: Unit,
        closes_on: date,
        filename: str,
        content: bytes,
        created_by=None,
    ):
        self.instrument = instrument
        self.name = name.strip()
        self.root = root
        self.closes_on = closes_on
        self.filename = filename
        self.content = content
        self.created_by = created_by
        self.spec = spec_for(instrument)
        self.round: Round | None = None
        self.units: dict[str, Unit] = {}

    def parse(self) -> tuple[_Parsed | None, list[RowError]]:
        tables, errors = importing.read_tables(self.filename, self.content, aliases=ALIASES)
        if errors:
            return None, errors
        table = tables[0] if tables else None
        if table is None or not table.rows:
            return None, [importing.file_error(self.filename, _("The file has no rows."))]
        spec = self.spec
        columns, errors = code_columns(spec, table)
        ambiguous = {e.column for e in errors}
        for header in table.headers:
            if header and header not in columns and header not in EXTRA_COLUMNS:
                if table.label(header) in ambiguous:
                    continue
                errors.append(
                    RowError(
                        table=table.name,
                        line=1,
                        column=table.label(header),
                        message=_(
                            "Unknown column: it is neither an item code of %(instrument)s "
                            "nor unit, role or comment."
                        )
                        % {"instrument": self.instrument.code},
                    )
                )
        if not columns:
            errors.append(
                RowError(
                    table=table.name,
                    line=1,
                    column="",
                    message=_("No column has the code of an item in the questionnaire."),
                )
            )
        parsed = _Parsed(table=table)
        for row in table.rows:
            answers = {}
            for key, code in columns.items():
                raw = row.get(key).strip().lower()
                if raw in DONT_KNOW_WORDS:
                    continue
                try:
                    number = float(raw.replace(",", "."))
                    value = int(number)
                    if number != value:
                        raise ValueError
                except (ValueError, OverflowError):
                    value = None
                if value is None or not spec.low <= value <= spec.high:
                    errors.append(
                        RowError(
                            table=table.name,
                            line=row.line,
                            column=table.label(key),
                            message=_(
                                "“%(value)s” is not an answer from %(low)s to %(high)s or "
                                "“ved ikke”."
                            )
                            % {"value": row.get(key), "low": spec.low, "high": spec.high},
                        )
                    )
                    continue
                answers[code] = value
            role_text = row.get("role").strip().lower()
            if role_text in LEADER_WORDS:
                role = RoleGroup.LEADER
            elif role_text in EMPLOYEE_WORDS:
                role = RoleGroup.EMPLOYEE
            else:
                errors.append(
                    RowError(
                        table=table.name,
                        line=row.line,
                        column=table.label("role"),
                        message=_("The role must be “leder” or “medarbejder”."),
                    )
                )
                continue
            parsed.rows.append(
                _Row(
                    line=row.line,
                    unit_id=row.get("unit").strip(),
                    role=role,
                    answers=answers,
                    comment=row.get("comment"),
                )
            )
        return parsed, importing.by_line(errors)

    def check(self, parsed: _Parsed) -> list[RowError]:
        table = parsed.table
        errors = []
        if Round.objects.filter(name=self.name, instrument__code=self.instrument.code).exists():
            errors.append(
                RowError(
                    table=table.name,
                    line=0,
                    column="",
                    message=_("A round called %(name)s already exists for this questionnaire.")
                    % {"name": self.name},
                )
            )
        self.units = {
            u.external_id: u
            for u in Unit.objects.filter(path__startswith=self.root.path).only(
                "id", "external_id", "path"
            )
        }
        for row in parsed.rows:
            if row.unit_id and row.unit_id not in self.units:
                errors.append(
                    RowError(
                        table=table.name,
                        line=row.line,
                        column=table.label("unit"),
                        message=_("No unit with the id %(id)s in %(root)s.")
                        % {"id": row.unit_id, "root": self.root.name},
                    )
                )
        return errors

    def plan(self, parsed: _Parsed) -> _Parsed:
        return parsed

    def write(self, plan: _Parsed) -> None:
        self.round = Round.objects.create(
            name=self.name,
            instrument=self.instrument,
            root=self.root,
            tree=services.unit_tree(self.root),
            opens_on=self.closes_on,
            closes_on=self.closes_on,
            min_group=settings.TILLID_ANONYMITY_MIN_GROUP,
            min_comment_group=settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP,
            is_imported=True,
            created_by=self.created_by,
        )
        Response.objects.bulk_create(
            [
                services.response_sheet(
                    spec=self.spec,
                    round_id=self.round.pk,
                    unit_id=(self.units[row.unit_id] if row.unit_id else self.root).pk,
                    role_group=row.role,
                    submitted_on=self.closes_on,
                    answers=row.answers,
                    comment=row.comment or "",
                )
                for row in plan.rows
            ],
            batch_size=1000,
        )

    def report(self, plan: _Parsed) -> ResponsesReport:
        return ResponsesReport(count=len(plan.rows), round=self.round)


def import_responses(
    *,
    instrument: Instrument,
    name: str,
    root: Unit,
    closes_on: date,
    filename: str,
    content: bytes,
    created_by=None,
    dry_run: bool = False,
) -> ImportResult[ResponsesReport]:
    """Past responses into a new, closed round; all or nothing."""
    return importing.run(
        ResponsesImporter(
            instrument=instrument,
            name=name,
            root=root,
            closes_on=closes_on,
            filename=filename,
            content=content,
            created_by=created_by,
        ),
        dry_run=dry_run,
    )
