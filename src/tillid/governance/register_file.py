"""Import and export of the governance register as CSV or XLSX.

The import follows the organisation import: the whole file is checked first
and every bad cell is reported with sheet, line, column and a Danish message;
only a file without errors is written, in one transaction. A row whose
reference exists updates that item; other rows create items. An item whose
row says what it already holds is not written at all.

The items' activities (Standard Cost Model) travel in a second sheet,
`aktiviteter`, one row per current activity, or in a CSV file of their own.
Every item with rows there gets exactly those activities as its current
ones; items without rows keep theirs. See docs/import-governance.md.
"""

import csv
import io
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillid.core import importing
from tillid.core.importing import ImportResult
from tillid.core.tabular import RowError, Table, parse_bool
from tillid.governance import selectors, services
from tillid.governance.burden import hours_per_year
from tillid.governance.models import (
    Activity,
    EstimateBasis,
    Item,
    Kind,
    Layer,
    RoleGroup,
    SecuredValue,
)
from tillid.organisation.models import KLENumber, Unit

# Column key, header in the file, description (for the import page).
COLUMNS = [
    ("reference", "reference", gettext_lazy("Unique reference; empty gives a new one")),
    ("title", "titel", gettext_lazy("Title (required)")),
    ("description", "beskrivelse", gettext_lazy("Description")),
    ("kind", "type", gettext_lazy("Kind, e.g. Dokumentationskrav (required)")),
    ("layer", "lag", gettext_lazy("Origin layer, e.g. Institution eller team (required)")),
    ("is_hard", "haard", gettext_lazy("Hard governance: ja/nej")),
    ("is_formal", "formel", gettext_lazy("Formal governance: ja/nej")),
    ("legal_basis", "lovgrundlag", gettext_lazy("Legal basis")),
    ("mandated_by_law", "lovpligtig", gettext_lazy("Mandated by law: ja/nej")),
    ("owner", "ejer", gettext_lazy("Owner")),
    ("units", "enheder", gettext_lazy("External ids of the units it binds, separated by ;")),
    ("kle_id", "kle", gettext_lazy("KLE number of its task area, e.g. 27.36.04")),
    ("risks", "risici", gettext_lazy("Risks it bounds")),
    ("values", "vaerdier", gettext_lazy("Values it secures, separated by ;")),
    ("introduced_on", "indfoert", gettext_lazy("Date introduced, yyyy-mm-dd (required)")),
    ("controls", "kontrollerer", gettext_lazy("Reference of the item it controls")),
    ("minutes_per_occurrence", "minutter_pr_gang", gettext_lazy("Minutes per occurrence")),
    ("occurrences_per_year", "gange_pr_aar", gettext_lazy("Occurrences per person per year")),
    ("basis", "grundlag", gettext_lazy("Estimate or measured")),
    ("people_override", "antal_bundne", gettext_lazy("People bound, if not the headcount")),
    ("compensated_by", "kompenseret_af", gettext_lazy("Reference of the compensating item")),
    (
        "no_compensation_reason",
        "begrundelse_uden_kompensation",
        gettext_lazy("Reason for no compensation"),
    ),
]
# Hours and kroner are those in force (0 for an item no longer in force); the
# freed hours are those of the item's decisions in force (selectors.in_force).
EXPORT_ONLY = [
    ("status", "status"),
    ("in_force", "i_kraft"),
    ("hours", "timer_pr_aar"),
    ("dkk", "kr_pr_aar"),
    ("freed_hours", "frigjort_timer_pr_aar"),
]

ALIASES = {header: key for key, header, _d in COLUMNS}
ALIASES.update({key: key for key, _h, _d in COLUMNS})
ALIASES.update({"hård": "is_hard", "lovpligtigt": "mandated_by_law", "indført": "introduced_on"})
HEADER_OF = {key: header for key, header, _d in COLUMNS}

# The sheet (or CSV file) of activities: one row per current activity.
ACTIVITY_SHEET = "aktiviteter"
ACTIVITY_COLUMNS = [
    ("reference", "reference", gettext_lazy("Reference of the item the activity belongs to")),
    ("name", "navn", gettext_lazy("Name of the activity (required)")),
    (
        "minutes_per_occurrence",
        "minutter_pr_gang",
        gettext_lazy("Minutes per occurrence (required)"),
    ),
    (
        "occurrences_per_year",
        "gange_pr_aar",
        gettext_lazy("Occurrences per person per year (required)"),
    ),
    (
        "performed_by",
        "udfoeres_af",
        gettext_lazy("Who does it, e.g. Medarbejdere or Faglige ledere; empty gives Medarbejdere"),
    ),
    ("basis", "grundlag", gettext_lazy("Estimate or measured; empty gives estimate")),
]
ACTIVITY_HEADER_OF = {key: header for key, header, _d in ACTIVITY_COLUMNS}
ACTIVITY_ALIASES = {header: key for key, header, _d in ACTIVITY_COLUMNS}
ACTIVITY_ALIASES.update({key: key for key, _h, _d in ACTIVITY_COLUMNS})
ACTIVITY_ALIASES.update({"aktivitet": "name", "udføres_af": "performed_by"})
# One file may hold both tables; the keys they share mean the same.
READ_ALIASES = {**ALIASES, **ACTIVITY_ALIASES}
_ACTIVITY_REQUIRED = ("reference", "name", "minutes_per_occurrence", "occurrences_per_year")
# Fields of an item that a row sets, compared before anything is written
# (units and the links to other items are compared apart).
_COMPARED = tuple(
    f.name
    for f in fields(services.ItemInput)
    if f.name not in {"units", "controls", "compensated_by", "reference"}
)
_CENTS = Decimal("0.01")
REGISTER_IMPORT_LOCK_ID = 0x7411_1D03  # advisory lock: one register import writes at a time


@dataclass
class RegisterReport:
    """What an import of the register changes (or changed)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    activities_added: int = 0
    activities_deleted: int = 0
    has_activities: bool = False


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[value.lower()] = value
        lookup[str(label).lower()] = value
    return lookup


def _labels(choices) -> dict[str, str]:
    """Codes and labels in Danish and English, whatever the request's language."""
    from django.utils import translation

    lookup = {}
    for language in ("da", "en"):
        with translation.override(language):
            lookup.update(_choice_lookup(choices))
    return lookup


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _is_activity_table(table) -> bool:
    """The activities: the sheet `aktiviteter`, or a table with their columns."""
    if table.name.strip().lower() in (ACTIVITY_SHEET, "activities"):
        return True
    headers = set(table.headers)
    return {"reference", "name", "minutes_per_occurrence"} <= headers and "title" not in headers


@dataclass
class _ItemLine:
    """One checked row of the items table."""

    line: int
    row: services.ItemRow
    errors: list[tuple[str, str]]  # (column header, message)


@dataclass
class _Parsed:
    items_table: Table | None = None
    activity_table: Table | None = None


@dataclass
class _Plan:
    rows: list[services.ItemRow] = field(default_factory=list)  # created or updated
    activities: dict[str, list[services.ActivityInput]] = field(default_factory=dict)
    changed_activities: list[str] = field(default_factory=list)  # references to replace
    report: RegisterReport = field(default_factory=RegisterReport)


class RegisterImporter(importing.BaseImporter[_Parsed, _Plan, RegisterReport]):
    """parse: the tables of the file; check: every cell against the register and
    the organisation, and the batch through services.validate_items; plan:
    which items and activities differ; write: services.save_items."""

    lock_key = REGISTER_IMPORT_LOCK_ID

    def __init__(self, *, filename: str, content: bytes, user):
        self.filename, self.content, self.user = filename, content, user
        self.stored: dict[str, Item] = {}

    def parse(self) -> tuple[_Parsed | None, list[RowError]]:
        tables, errors = importing.read_tables(self.filename, self.content, aliases=READ_ALIASES)
        if errors:
            return None, errors
        activity_table = next((t for t in tables if _is_activity_table(t)), None)
        table = next((t for t in tables if t is not activity_table), None)
        if table is not None and not table.rows:
            table = None  # an empty items sheet beside the activities changes no item
        if activity_table is not None and not activity_table.rows:
            activity_table = None  # an empty sheet changes nothing
        if table is None and activity_table is None:
            return None, [importing.file_error(self.filename, _("The file has no rows."))]
        for t, required, header_of in (
            (table, ("title", "kind", "layer", "units", "introduced_on"), HEADER_OF),
            (activity_table, _ACTIVITY_REQUIRED, ACTIVITY_HEADER_OF),
        ):
            if t is None:
                continue
            missing = [header_of[k] for k in required if k not in t.headers]
            if missing:
                return None, [_missing_columns(t, missing)]
        return _Parsed(items_table=table, activity_table=activity_table), []

    def check(self, parsed: _Parsed) -> list[RowError]:
        self.stored = {i.reference: i for i in Item.objects.all()}
        errors: list[RowError] = []
        self.lines: list[_ItemLine] = []
        table = parsed.items_table
        if table is not None:
            self.lines = _check_items(table)
            problems = services.validate_items([line.row for line in self.lines], self.stored)
            for index, line in enumerate(self.lines):
                reported = {column for column, _m in line.errors}
                for key, messages in problems.get(index, {}).items():
                    column = HEADER_OF.get(key, key)
                    if column in reported:
                        continue
                    line.errors.extend((column, message) for message in messages)
                errors.extend(
                    RowError(table=table.name, line=line.line, column=column, message=message)
                    for column, message in line.errors
                )
        self.activities: dict[str, list[services.ActivityInput]] = {}
        if parsed.activity_table is not None:
            refs = set(self.stored) | {
                line.row.data.reference for line in self.lines if line.row.data.reference
            }
            self.activities, activity_errors = _check_activities(parsed.activity_table, refs)
            errors.extend(activity_errors)
        return errors

    def plan(self, parsed: _Parsed) -> _Plan:
        plan = _Plan(activities=self.activities)
        report = plan.report
        report.has_activities = parsed.activity_table is not None
        stored = self.stored
        row_ids = [stored[ref].pk for ref in self._refs() if ref in stored]
        unit_ids: dict[int, set[int]] = {}
        through = Item.units.through.objects.values_list("item_id", "unit_id")
        for item_id, unit_id in _of_items(through, "item_id", row_ids):
            unit_ids.setdefault(item_id, set()).add(unit_id)
        ref_by_pk = {i.pk: ref for ref, i in stored.items()}
        changed: set[str] = set()
        same: set[str] = set()
        for line in self.lines:
            row = line.row
            item = stored.get(row.data.reference) if row.data.reference else None
            if item is None:
                report.created += 1
            elif _same(item, row, unit_ids, ref_by_pk):
                same.add(item.reference)
                continue
            else:
                changed.add(item.reference)
            plan.rows.append(row)
        # Activities: read the current ones in one query; replace only where they differ.
        ids = [stored[ref].pk for ref in plan.activities if ref in stored]
        current: dict[int, list[Activity]] = {}
        held_rows = Activity.objects.filter(retired_on__isnull=True).order_by("pk")
        for activity in _of_items(held_rows, "item_id", ids):
            current.setdefault(activity.item_id, []).append(activity)
        self.current_activities = current
        for ref, wanted in plan.activities.items():
            held = current.get(stored[ref].pk, []) if ref in stored else []
            to_delete, to_add = services.activity_changes(list(held), wanted)
            if not to_delete and not to_add:
                if ref in stored:
                    same.add(ref)
                continue
            plan.changed_activities.append(ref)
            report.activities_added += len(to_add)
            report.activities_deleted += len(to_delete)
            if ref in stored:
                changed.add(ref)
        report.updated = len(changed)
        report.unchanged = len(same - changed)
        return plan

    def _refs(self) -> list[str]:
        return [line.row.data.reference for line in self.lines if line.row.data.reference]

    def write(self, plan: _Plan) -> None:
        by_ref = services.save_items(rows=plan.rows, stored=self.stored, user=self.user)
        for ref in plan.changed_activities:
            item = by_ref[ref]
            services.replace_activities(
                item=item,
                activities=plan.activities[ref],
                current=self.current_activities.get(item.pk, []),
            )

    def report(self, plan: _Plan) -> RegisterReport:
        return plan.report


def import_register(
    *, filename: str, content: bytes, user, dry_run: bool = False
) -> ImportResult[RegisterReport]:
    """The register from a CSV or XLSX file, all or nothing (see the module's doc)."""
    return importing.run(
        RegisterImporter(filename=filename, content=content, user=user), dry_run=dry_run
    )


def _missing_columns(table, missing: list[str]) -> RowError:
    columns = ", ".join(missing)
    return RowError(
        table=table.name,
        line=1,
        column=columns,
        message=_("Required columns are missing: %(columns)s") % {"columns": columns},
    )


def _check_items(table) -> list[_ItemLine]:
    """The item rows, each with the problems of its cells (the batch rules come after)."""
    kinds, layers = _labels(Kind.choices), _labels(Layer.choices)
    values_lookup, bases = _labels(SecuredValue.choices), _bases()
    units_by_ext = {u.external_id: u for u in Unit.objects.filter(is_active=True)}
    # Retired numbers too: an exported register must come back in unchanged.
    kle_ids = dict(KLENumber.objects.values_list("number", "pk"))
    file_refs: dict[str, int] = {}
    lines = []

    for row in table.rows:
        errs: list[tuple[str, str]] = []

        def err(key: str, message: str, errs=errs) -> None:
            errs.append((HEADER_OF.get(key, key), message))

        ref = row.get("reference").strip()
        if ref:
            if ref in file_refs:
                err(
                    "reference",
                    _("The reference is also used on line %(line)s.") % {"line": file_refs[ref]},
                )
            file_refs.setdefault(ref, row.line)
        data: dict = {"reference": ref}
        for key in (
            "title",
            "description",
            "legal_basis",
            "owner",
            "risks",
            "no_compensation_reason",
        ):
            data[key] = row.get(key).strip()
        kind = kinds.get(row.get("kind").strip().lower())
        if kind is None:
            err("kind", _("Unknown kind “%(value)s”.") % {"value": row.get("kind")})
        layer = layers.get(row.get("layer").strip().lower())
        if layer is None:
            err("layer", _("Unknown layer “%(value)s”.") % {"value": row.get("layer")})
        data["kind"], data["layer"] = kind or "", layer or ""
        for key, default in (("is_hard", True), ("is_formal", True), ("mandated_by_law", False)):
            raw = row.get(key)
            value = parse_bool(raw) if raw.strip() else default
            if value is None:
                err(key, _("Write ja or nej, not “%(value)s”.") % {"value": raw})
            data[key] = bool(value)
        unit_ids = [u.strip() for u in row.get("units").replace(",", ";").split(";") if u.strip()]
        unknown_units = [u for u in unit_ids if u not in units_by_ext]
        if unknown_units:
            err("units", _("Unknown units: %(units)s") % {"units": ", ".join(unknown_units)})
        data["units"] = [units_by_ext[u] for u in unit_ids if u in units_by_ext]
        kle_number = row.get("kle_id").strip()
        data["kle_id"] = kle_ids.get(kle_number) if kle_number else None
        if kle_number and data["kle_id"] is None:
            err("kle_id", _("“%(number)s” is not a known KLE number.") % {"number": kle_number})
        values = []
        for raw in [v.strip() for v in row.get("values").split(";") if v.strip()]:
            code = values_lookup.get(raw.lower())
            if code is None:
                err("values", _("Unknown value “%(value)s”.") % {"value": raw})
            else:
                values.append(code)
        data["values"] = values
        try:
            data["introduced_on"] = _date(row.get("introduced_on"))
        except ValueError:
            err("introduced_on", _("Write the date as yyyy-mm-dd."))
            data["introduced_on"] = None
        for key in ("minutes_per_occurrence", "occurrences_per_year"):
            raw = row.get(key).strip()
            try:
                data[key] = _decimal(raw) if raw else Decimal(0)
            except InvalidOperation:
                err(key, _("Write a number, not “%(value)s”.") % {"value": raw})
                data[key] = Decimal(0)
        raw_basis = row.get("basis").strip().lower()
        data["basis"] = (
            bases.get(raw_basis, EstimateBasis.ESTIMATE) if raw_basis else EstimateBasis.ESTIMATE
        )
        if raw_basis and raw_basis not in bases:
            err("basis", _("Write estimate or measured."))
        raw_people = row.get("people_override").strip()
        data["people_override"] = None
        if raw_people:
            if raw_people.isdigit():
                data["people_override"] = int(raw_people)
            else:
                err("people_override", _("Write a whole number."))
        lines.append(
            _ItemLine(
                line=row.line,
                row=services.ItemRow(
                    data=services.ItemInput(**data),
                    controls=row.get("controls").strip(),
                    compensated_by=row.get("compensated_by").strip(),
                ),
                errors=errs,
            )
        )
    return lines


def _bases() -> dict[str, str]:
    bases = _labels(EstimateBasis.choices)
    # The short words the error message asks for.
    bases.update({"skøn": EstimateBasis.ESTIMATE, "maalt": EstimateBasis.MEASURED})
    return bases


def _amount(raw: str, field_name: str) -> tuple[Decimal | None, str | None]:
    """A number for an activity's decimal field, rounded to its places, or an error."""
    model_field = Activity._meta.get_field(field_name)
    if not raw:
        return None, _("Write a number.")
    try:
        value = _decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        return None, _("Write a number, not “%(value)s”.") % {"value": raw}
    if value < 0:
        if field_name == "minutes_per_occurrence":
            return None, _("Minutes cannot be negative.")
        return None, _("The number of occurrences cannot be negative.")
    value = value.quantize(_CENTS, rounding=ROUND_HALF_UP)
    largest = Decimal(10) ** (model_field.max_digits - model_field.decimal_places) - _CENTS
    if value > largest:
        return None, _("The number is too large: at most %(max)s.") % {"max": _number_text(largest)}
    return value, None


def _check_activities(
    table, known_refs: set[str]
) -> tuple[dict[str, list[services.ActivityInput]], list[RowError]]:
    """The activity rows by item reference, checked, and their errors."""
    errors: list[RowError] = []
    groups_lookup, bases = _labels(RoleGroup.choices), _bases()
    name_length = Activity._meta.get_field("name").max_length
    by_ref: dict[str, list[services.ActivityInput]] = {}
    for row in table.rows:
        errs: list[tuple[str, str]] = []
        ref = row.get("reference").strip()
        if not ref:
            errs.append(
                ("reference", _("Write the reference of the item the activity is part of."))
            )
        elif ref not in known_refs:
            errs.append(("reference", _("No item has the reference “%(ref)s”.") % {"ref": ref}))
        name = row.get("name").strip()
        if not name:
            errs.append(("name", _("Name the activity.")))
        elif len(name) > name_length:
            errs.append(
                (
                    "name",
                    _("The name is too long: at most %(max)s characters.") % {"max": name_length},
                )
            )
        amounts = {}
        for key in ("minutes_per_occurrence", "occurrences_per_year"):
            amounts[key], message = _amount(row.get(key).strip(), key)
            if message:
                errs.append((key, message))
        raw_group = row.get("performed_by").strip()
        performed_by = groups_lookup.get(raw_group.lower()) if raw_group else RoleGroup.EMPLOYEES
        if performed_by is None:
            errs.append(
                (
                    "performed_by",
                    _("Unknown group “%(value)s”. Write one of: %(groups)s.")
                    % {
                        "value": raw_group,
                        "groups": ", ".join(str(label) for _v, label in RoleGroup.choices),
                    },
                )
            )
        raw_basis = row.get("basis").strip()
        basis = bases.get(raw_basis.lower()) if raw_basis else EstimateBasis.ESTIMATE
        if basis is None:
            errs.append(("basis", _("Write estimate or measured.")))
        for key, message in errs:
            errors.append(
                RowError(
                    table=table.name,
                    line=row.line,
                    column=ACTIVITY_HEADER_OF[key],
                    message=message,
                )
            )
        if not errs:
            by_ref.setdefault(ref, []).append(
                services.ActivityInput(
                    name=name,
                    minutes_per_occurrence=amounts["minutes_per_occurrence"],
                    occurrences_per_year=amounts["occurrences_per_year"],
                    performed_by=performed_by,
                    basis=basis,
                )
            )
    return by_ref, errors


def _same(item: Item, row: services.ItemRow, unit_ids, ref_by_pk) -> bool:
    """Whether the row says what the item already holds (then it is not written)."""
    data = row.data
    for name in _COMPARED:
        wanted, held = getattr(data, name), getattr(item, name)
        if isinstance(wanted, Decimal):
            wanted = wanted.quantize(_CENTS, rounding=ROUND_HALF_UP)
        if wanted != held:
            return False
    return (
        ref_by_pk.get(item.controls_id, "") == row.controls
        and ref_by_pk.get(item.compensated_by_id, "") == row.compensated_by
        and {u.pk for u in data.units} == unit_ids.get(item.pk, set())
    )


def _of_items(queryset, field_name: str, ids: list[int]):
    # A long IN list exceeds SQLite's limit on parameters; then read them all.
    return queryset.filter(**{f"{field_name}__in": ids}) if len(ids) <= 900 else queryset


def _number_text(value: Decimal) -> str:
    """A decimal as Danes write it, without trailing zeros: 2,5 and 300."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _number_cell(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _rows() -> list[list]:
    figures = selectors.item_figures()
    freed = selectors.freed_minutes_by_item()
    kinds, layers = dict(Kind.choices), dict(Layer.choices)
    values, bases = dict(SecuredValue.choices), dict(EstimateBasis.choices)
    items = Item.objects.select_related("controls", "compensated_by").prefetch_related("units")
    kle_numbers = dict(KLENumber.objects.values_list("pk", "number"))
    rows = [[h for _k, h, _d in COLUMNS] + [h for _k, h in EXPORT_ONLY]]
    for item in items.order_by("reference"):
        burden = figures[item.pk].burden
        in_force = selectors.item_in_force(item)
        freed_hours = hours_per_year(freed.get(item.pk, 0.0), burden.people)
        rows.append(
            [
                item.reference,
                item.title,
                item.description,
                str(kinds[item.kind]),
                str(layers[item.layer]),
                "ja" if item.is_hard else "nej",
                "ja" if item.is_formal else "nej",
                item.legal_basis,
                "ja" if item.mandated_by_law else "nej",
                item.owner,
                ";".join(u.external_id for u in item.units.all()),
                kle_numbers.get(item.kle_id, ""),
                item.risks,
                ";".join(str(values[v]) for v in item.values if v in values),
                item.introduced_on.isoformat(),
                item.controls.reference if item.controls else "",
                str(item.minutes_per_occurrence).replace(".", ","),
                str(item.occurrences_per_year).replace(".", ","),
                str(bases[item.basis]),
                "" if item.people_override is None else item.people_override,
                item.compensated_by.reference if item.compensated_by else "",
                item.no_compensation_reason,
                item.get_status_display(),
                "ja" if in_force else "nej",
                burden.hours_rounded if in_force else 0,
                burden.dkk_rounded if in_force else 0,
                round(freed_hours),
            ]
        )
    return rows


def _activity_rows(*, cells: bool = False) -> list[list]:
    """The current activities, by item reference; numbers as numbers for a workbook."""
    groups, bases = dict(RoleGroup.choices), dict(EstimateBasis.choices)
    number = _number_cell if cells else _number_text
    rows = [[h for _k, h, _d in ACTIVITY_COLUMNS]]
    activities = (
        Activity.objects.filter(retired_on__isnull=True)
        .order_by("item__reference", "pk")
        .values_list(
            "item__reference",
            "name",
            "minutes_per_occurrence",
            "occurrences_per_year",
            "performed_by",
            "basis",
        )
    )
    for reference, name, minutes, occurrences, performed_by, basis in activities:
        rows.append(
            [
                reference,
                name,
                number(minutes),
                number(occurrences),
                str(groups.get(performed_by, performed_by)),
                str(bases.get(basis, basis)),
            ]
        )
    return rows


def _csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def export_csv() -> bytes:
    return _csv_bytes(_rows())


def export_activities_csv() -> bytes:
    """The activities alone: a CSV file holds one table."""
    return _csv_bytes(_activity_rows())


def export_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Governance register")[:31])
    for row in _rows():
        sheet.append([str(v) if isinstance(v, str) else v for v in row])
    activities = workbook.create_sheet(ACTIVITY_SHEET)
    for row in _activity_rows(cells=True):
        activities.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
