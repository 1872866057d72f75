"""Import and export of the governance register as CSV or XLSX.

The import follows the organisation import: the whole file is checked first
and every bad cell is reported with line, column and a Danish message; only
a file without errors is written, in one transaction. A row whose reference
exists updates that item; other rows create items.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillid.core.tabular import RowError, TabularFileError, parse_bool, read_file
from tillid.governance import selectors, services
from tillid.governance.models import EstimateBasis, Item, Kind, Layer, SecuredValue
from tillid.organisation.models import Unit

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
EXPORT_ONLY = [("status", "status"), ("hours", "timer_pr_aar"), ("dkk", "kr_pr_aar")]

ALIASES = {header: key for key, header, _d in COLUMNS}
ALIASES.update({key: key for key, _h, _d in COLUMNS})
ALIASES.update({"hård": "is_hard", "lovpligtigt": "mandated_by_law", "indført": "introduced_on"})
HEADER_OF = {key: header for key, header, _d in COLUMNS}


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0


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


def import_register(*, filename: str, content: bytes, user) -> ImportResult:
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
    missing = [
        HEADER_OF[k]
        for k in ("title", "kind", "layer", "units", "introduced_on")
        if k not in table.headers
    ]
    if missing:
        result.errors.append(
            RowError(
                table=table.name,
                line=1,
                column=", ".join(missing),
                message=_("Required columns are missing: %(columns)s")
                % {"columns": ", ".join(missing)},
            )
        )
        return result

    kinds, layers = _labels(Kind.choices), _labels(Layer.choices)
    values_lookup, bases = _labels(SecuredValue.choices), _labels(EstimateBasis.choices)
    units_by_ext = {u.external_id: u for u in Unit.objects.filter(is_active=True)}
    existing = {i.reference: i for i in Item.objects.all()}
    file_refs: dict[str, int] = {}
    parsed = []

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
        parsed.append(
            (row, data, errs, row.get("controls").strip(), row.get("compensated_by").strip())
        )

    known_refs = set(existing) | set(file_refs)
    for row, data, errs, controls_ref, compensated_ref in parsed:
        if controls_ref and controls_ref not in known_refs:
            errs.append(
                (
                    HEADER_OF["controls"],
                    _("No item has the reference “%(ref)s”.") % {"ref": controls_ref},
                )
            )
        if compensated_ref and compensated_ref not in known_refs:
            errs.append(
                (
                    HEADER_OF["compensated_by"],
                    _("No item has the reference “%(ref)s”.") % {"ref": compensated_ref},
                )
            )
        existing_item = existing.get(data["reference"]) if data["reference"] else None
        check = services.ItemInput(
            **{**data, "controls": None, "compensated_by": Item(pk=-1) if compensated_ref else None}
        )
        reported = {column for column, _m in errs}
        for key, messages in services.validate_item(check, existing_item).items():
            column = HEADER_OF.get(key, key)
            if column in reported:
                continue
            for message in messages:
                errs.append((column, message))
        for column, message in errs:
            result.errors.append(
                RowError(table=table.name, line=row.line, column=column, message=message)
            )
    if result.errors:
        return result

    # Control chains in the file must not loop.
    links = {
        data["reference"] or f"#{row.line}": ctrl for row, data, _e, ctrl, _c in parsed if ctrl
    }
    for i in Item.objects.exclude(controls__isnull=True).select_related("controls"):
        links.setdefault(i.reference, i.controls.reference)
    for row, data, _e, ctrl, _c in parsed:
        start = data["reference"]
        current, seen = ctrl, set()
        while current and current not in seen:
            if current == start:
                result.errors.append(
                    RowError(
                        table=table.name,
                        line=row.line,
                        column=HEADER_OF["controls"],
                        message=_(
                            "An item cannot control itself, not even through a chain of controls."
                        ),
                    )
                )
                break
            seen.add(current)
            current = links.get(current)
    if result.errors:
        return result
    _write(parsed, existing, user, result)
    return result


@transaction.atomic
def _write(parsed, existing: dict, user, result: ImportResult) -> None:
    by_ref = dict(existing)
    pending = []
    for _row, data, _e, controls_ref, compensated_ref in parsed:
        item_input = services.ItemInput(**{**data, "controls": None, "compensated_by": None})
        item = by_ref.get(data["reference"]) if data["reference"] else None
        if item is None:
            # Compensation is checked above; it is linked once every row exists.
            item_input.no_compensation_reason = item_input.no_compensation_reason or "-"
            item = services.create_item(data=item_input, user=user)
            if not data["no_compensation_reason"]:
                item.no_compensation_reason = ""
            result.created += 1
        else:
            item_input.controls = item.controls
            item_input.compensated_by = item.compensated_by
            if not item_input.no_compensation_reason and not item.compensated_by:
                item_input.no_compensation_reason = item.no_compensation_reason or "-"
            item = services.update_item(item=item, data=item_input, user=user)
            result.updated += 1
        by_ref[item.reference] = item
        pending.append((item, controls_ref, compensated_ref, data["no_compensation_reason"]))
    for item, controls_ref, compensated_ref, reason in pending:
        item.controls = by_ref.get(controls_ref) if controls_ref else None
        item.compensated_by = by_ref.get(compensated_ref) if compensated_ref else None
        item.no_compensation_reason = reason
        item._history_user = user
        item.save()


def _rows() -> list[list]:
    figures = selectors.item_figures()
    kinds, layers = dict(Kind.choices), dict(Layer.choices)
    values, bases = dict(SecuredValue.choices), dict(EstimateBasis.choices)
    items = Item.objects.select_related("controls", "compensated_by").prefetch_related("units")
    rows = [[h for _k, h, _d in COLUMNS] + [h for _k, h in EXPORT_ONLY]]
    for item in items.order_by("reference"):
        burden = figures[item.pk].burden
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
                burden.hours_rounded,
                burden.dkk_rounded,
            ]
        )
    return rows


def export_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in _rows():
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Governance register")[:31])
    for row in _rows():
        sheet.append([str(v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
