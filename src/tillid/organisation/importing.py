"""Reading, checking and comparing an organisation file: pure functions, no database.

The file is the whole organisation in two tables, units and people (see
docs/import-organisation.md). `parse_organisation` turns the tables read by
`tillid.core.tabular` into rows and collects every problem in the file;
`plan_changes` compares those rows with a snapshot of what is stored and says
what to add, change, deactivate and reactivate. services.import_organisation
does the reading of the snapshot and the writing.
"""

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tillid.core.tabular import (
    RowError,
    Table,
    TabularFileError,
    normalise_header,
    parse_bool,
    read_file,
)
from tillid.organisation.models import UNIT_KIND_LEVELS, UnitKind

UNITS = "units"
PEOPLE = "people"

# Canonical column keys. Required columns must be present; their cells must be filled
# (parent_id may be empty for a top unit).
UNIT_COLUMNS = ("external_id", "name", "parent_id", "kind")
UNIT_REQUIRED_CELLS = ("external_id", "name", "kind")
PEOPLE_COLUMNS = ("external_id", "name", "email", "unit_id", "is_leader")
PEOPLE_REQUIRED_COLUMNS = ("external_id", "name", "unit_id")
PEOPLE_REQUIRED_CELLS = ("external_id", "name", "unit_id")

MAX_LENGTHS = {"external_id": 100, "name": 200, "email": 254}


def _aliases(mapping: dict[str, Iterable[str]]) -> dict[str, str]:
    return {normalise_header(alias): key for key, names in mapping.items() for alias in names}


UNIT_ALIASES = _aliases(
    {
        "external_id": (
            "external_id",
            "id",
            "enheds_id",
            "enhedsid",
            "enhed_id",
            "enhedsnummer",
            "unit_id",
        ),
        "name": ("name", "navn", "enhedsnavn", "enhedens navn"),
        "parent_id": (
            "parent_id",
            "parent",
            "overordnet_id",
            "overordnet",
            "overordnet enhed",
            "forælder_id",
            "foraelder_id",
            "forælder",
            "foraelder",
        ),
        "kind": ("kind", "type", "enhedstype", "niveau"),
    }
)

PEOPLE_ALIASES = _aliases(
    {
        "external_id": (
            "external_id",
            "id",
            "medarbejder_id",
            "medarbejderid",
            "medarbejdernummer",
            "person_id",
            "tjenestenummer",
        ),
        "name": ("name", "navn", "fulde navn"),
        "email": ("email", "e-mail", "mail", "e-mailadresse", "email_adresse"),
        "unit_id": ("unit_id", "unit", "enhed_id", "enheds_id", "enhedsid", "enhed"),
        "is_leader": ("is_leader", "leader", "leder", "er_leder"),
    }
)

# Headers that only one of the two tables has: they tell which table a CSV file
# or an unnamed sheet holds.
_UNIT_SIGNS = {normalise_header(h) for h in ("parent_id", "parent", "kind", "type", "enhedstype")}
_UNIT_SIGNS |= {k for k, v in UNIT_ALIASES.items() if v in ("parent_id", "kind")}
_PEOPLE_SIGNS = {k for k, v in PEOPLE_ALIASES.items() if v in ("email", "is_leader")}
_PEOPLE_SIGNS |= {normalise_header(h) for h in ("medarbejder_id", "tjenestenummer", "enhed")}

_TABLE_NAMES = {
    UNITS: {"enheder", "units", "enhed", "unit", "organisation_units", "organisation_enheder"},
    PEOPLE: {
        "personer",
        "people",
        "medarbejdere",
        "persons",
        "organisation_people",
        "organisation_personer",
    },
}

KIND_WORDS: dict[str, str] = {
    "municipality": UnitKind.MUNICIPALITY,
    "kommune": UnitKind.MUNICIPALITY,
    "administration": UnitKind.ADMINISTRATION,
    "forvaltning": UnitKind.ADMINISTRATION,
    "area": UnitKind.AREA,
    "område": UnitKind.AREA,
    "omraade": UnitKind.AREA,
    "omrade": UnitKind.AREA,
    "institution": UnitKind.INSTITUTION,
    "team": UnitKind.TEAM,
}


def table_label(table: str) -> str:
    return {UNITS: _("Units"), PEOPLE: _("People")}.get(table, table)


@dataclass(frozen=True)
class UnitRow:
    line: int
    external_id: str
    name: str
    kind: str
    parent_id: str  # "" for a top unit
    # KLE numbers of the unit's task areas; None when the source says nothing
    # about them (the file has no such column), so the stored ones are kept.
    kle: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PersonRow:
    line: int
    external_id: str
    name: str
    email: str
    unit_id: str
    is_leader: bool


@dataclass
class ParsedOrganisation:
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.units) + len(self.people)


# progress(done, total): rows checked so far out of all rows.
Progress = Callable[[int, int], None]


# -- files -------------------------------------------------------------------


def read_tables(files: Iterable[tuple[str, bytes]]) -> tuple[list[Table], list[RowError]]:
    """All tables in the uploaded files; a file that cannot be read is an error."""
    tables: list[Table] = []
    errors: list[RowError] = []
    for filename, content in files:
        try:
            is_workbook = filename.lower().endswith(".xlsx")
            for table in read_file(filename, content, aliases={}):
                # Sheets are named "file:sheet"; a CSV file is its own table.
                table.name = f"{filename}:{table.name}" if is_workbook else filename
                tables.append(table)
        except TabularFileError as exc:
            errors.append(RowError(table=filename, line=0, column="", message=str(exc)))
    return tables, errors


def pack_files(files: Iterable[tuple[str, bytes]]) -> bytes:
    """The uploaded files as one zip archive (CSV files shrink to about a fifth)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for filename, content in files:
            archive.writestr(filename, content)
    return buffer.getvalue()


def unpack_files(packed: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def files_digest(files: Iterable[tuple[str, bytes]], *, dry_run: bool) -> str:
    """Identifies an upload: the same files (in any order) and the same mode."""
    digests = sorted(hashlib.sha256(content).hexdigest() for _name, content in files)
    return hashlib.sha256(("dry" if dry_run else "real").join(digests).encode()).hexdigest()


# -- which table is which ------------------------------------------------------


def _short_name(table: Table) -> str:
    name = table.name.rsplit(":", 1)[-1]
    name = name.rsplit("/", 1)[-1]
    if name.lower().endswith((".csv", ".txt")):
        name = name.rsplit(".", 1)[0]
    return normalise_header(name).replace("-", "_")


def classify(table: Table) -> str | None:
    """UNITS, PEOPLE or None, by the table's headers, else by its name."""
    name = _short_name(table)
    headers = {h for h in table.headers if h}
    unit_score = len(headers & _UNIT_SIGNS)
    people_score = len(headers & _PEOPLE_SIGNS)
    if unit_score > people_score:
        return UNITS
    if people_score > unit_score:
        return PEOPLE
    # Sheets named Enheder/Personer, files such as "organisation-units.csv".
    for kind, names in _TABLE_NAMES.items():
        if name in names or any(part in names for part in name.split("_")):
            return kind
    return None


def _apply_aliases(table: Table, aliases: dict[str, str]) -> Table:
    """The table with its header keys mapped to the canonical column names."""
    rename = {h: aliases.get(h, h) for h in table.headers if h}
    labels: dict[str, str] = {}
    for old, new in rename.items():
        labels.setdefault(new, table.labels.get(old, old))
    seen: set[str] = set()
    duplicates = [rename.get(h, h) for h in table.duplicate_headers]
    for h in table.headers:
        if not h:
            continue
        new = rename[h]
        if new in seen and new not in duplicates:
            duplicates.append(new)
        seen.add(new)
    result = Table(
        name=table.name,
        headers=[rename.get(h, h) for h in table.headers],
        labels=labels,
        duplicate_headers=duplicates,
    )
    if all(old == new for old, new in rename.items()):
        result.rows = table.rows
        return result
    for row in table.rows:
        values: dict[str, str] = {}
        for key, value in row.values.items():
            values.setdefault(rename.get(key, key), value)
        row.values = values
    result.rows = table.rows
    return result


def pick_tables(tables: list[Table]) -> tuple[Table | None, Table | None, list[RowError]]:
    """The units table and the people table among the tables read from the files."""
    found: dict[str, Table] = {}
    errors: list[RowError] = []
    for table in tables:
        kind = classify(table)
        is_sheet = ":" in table.name
        if kind is None:
            if is_sheet and not table.rows:
                continue
            if is_sheet:
                continue  # other sheets (instructions, lists of values) are allowed
            errors.append(
                RowError(
                    table=table.name,
                    line=1,
                    column="",
                    message=_(
                        "Could not tell whether this table holds units or people. "
                        "Check the column headings against the description of the format."
                    ),
                )
            )
            continue
        if kind in found:
            errors.append(
                RowError(
                    table=table.name,
                    line=0,
                    column="",
                    message=_(
                        "There is more than one table of %(table)s (%(first)s and %(second)s). "
                        "Upload exactly one."
                    )
                    % {
                        "table": table_label(kind).lower(),
                        "first": found[kind].name,
                        "second": table.name,
                    },
                )
            )
            continue
        found[kind] = table
    units = found.get(UNITS)
    people = found.get(PEOPLE)
    if units is None:
        errors.append(
            RowError(
                table=UNITS,
                line=0,
                column="",
                message=_(
                    "The file has no table of units. Add a sheet named Enheder (or a CSV file) "
                    "with the columns external_id, name, parent_id and kind."
                ),
            )
        )
    if people is None:
        errors.append(
            RowError(
                table=PEOPLE,
                line=0,
                column="",
                message=_(
                    "The file has no table of people. Add a sheet named Personer (or a CSV "
                    "file) with the columns external_id, name, email, unit_id and is_leader."
                ),
            )
        )
    return (
        _apply_aliases(units, UNIT_ALIASES) if units else None,
        _apply_aliases(people, PEOPLE_ALIASES) if people else None,
        errors,
    )


# -- checking ----------------------------------------------------------------


def _column_errors(
    table: Table, kind: str, required: Iterable[str], known: Iterable[str]
) -> tuple[set[str], list[RowError]]:
    present = {h for h in table.headers if h}
    errors = []
    missing = set()
    for column in required:
        if column not in present:
            missing.add(column)
            errors.append(
                RowError(
                    table=kind,
                    line=1,
                    column=column,
                    message=_("The column %(column)s is missing.") % {"column": column},
                )
            )
    for column in table.duplicate_headers:
        if column in known:
            errors.append(
                RowError(
                    table=kind,
                    line=1,
                    column=table.label(column),
                    message=_("The column %(column)s appears more than once.")
                    % {"column": table.label(column)},
                )
            )
    return missing, errors


def _empty(kind: str, line: int, column: str) -> RowError:
    return RowError(table=kind, line=line, column=column, message=_("This cell must not be empty."))


def _too_long(kind: str, line: int, column: str, limit: int) -> RowError:
    return RowError(
        table=kind,
        line=line,
        column=column,
        message=_("The text is too long: at most %(max)s characters.") % {"max": limit},
    )


def _duplicate(kind: str, line: int, column: str, value: str, first: int) -> RowError:
    return RowError(
        table=kind,
        line=line,
        column=column,
        message=_("The id %(id)s is used more than once (first in line %(line)s).")
        % {"id": value, "line": first},
    )


def parse_kind(value: str) -> str | None:
    return KIND_WORDS.get(value.strip().lower())


class _Ticker:
    """Calls progress every `step` rows and at the end."""

    def __init__(self, progress: Progress | None, total: int, step: int = 500):
        self.progress, self.total, self.step, self.done = progress, total, step, 0

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % self.step == 0:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


def _parse_units(table: Table, ticker: _Ticker) -> tuple[list[UnitRow], list[RowError]]:
    missing, errors = _column_errors(table, UNITS, UNIT_COLUMNS, UNIT_COLUMNS)
    label = table.label
    units: list[UnitRow] = []
    first_line: dict[str, int] = {}
    for row in table.rows:
        ticker.tick()
        values = row.values
        ok = True
        for column in UNIT_REQUIRED_CELLS:
            if column not in missing and not values.get(column, ""):
                errors.append(_empty(UNITS, row.line, label(column)))
                ok = False
        external_id = values.get("external_id", "")
        name = values.get("name", "")
        parent_id = values.get("parent_id", "")
        raw_kind = values.get("kind", "")
        for column, value in (("external_id", external_id), ("name", name)):
            if len(value) > MAX_LENGTHS[column]:
                errors.append(_too_long(UNITS, row.line, label(column), MAX_LENGTHS[column]))
                ok = False
        kind = parse_kind(raw_kind) if raw_kind else None
        if raw_kind and kind is None:
            errors.append(
                RowError(
                    table=UNITS,
                    line=row.line,
                    column=label("kind"),
                    message=_(
                        "Unknown kind “%(value)s”. Use one of: kommune, forvaltning, område, "
                        "institution, team (or municipality, administration, area)."
                    )
                    % {"value": raw_kind},
                )
            )
            ok = False
        if external_id:
            if external_id in first_line:
                errors.append(
                    _duplicate(
                        UNITS, row.line, label("external_id"), external_id, first_line[external_id]
                    )
                )
                ok = False
            else:
                first_line[external_id] = row.line
        if ok and not missing:
            units.append(
                UnitRow(
                    line=row.line,
                    external_id=external_id,
                    name=name,
                    kind=kind or "",
                    parent_id=parent_id,
                )
            )
    if not missing:
        errors.extend(tree_errors(units, first_line, label))
    return units, errors


def tree_errors(
    units: list[UnitRow],
    known_ids: dict[str, int],
    label: Callable[[str], str],
    *,
    nested_teams: bool = False,
) -> list[RowError]:
    """Unknown parents, cycles and parents that are not above their children.

    `nested_teams`: a team may lie below a team (OS2mo's trees are deeper
    than the five kinds; see os2mo.py).
    """
    errors: list[RowError] = []
    by_id = {u.external_id: u for u in units}
    column = label("parent_id")
    for unit in units:
        parent_id = unit.parent_id
        if not parent_id:
            continue
        if parent_id not in known_ids:
            errors.append(
                RowError(
                    table=UNITS,
                    line=unit.line,
                    column=column,
                    message=_("There is no unit with the id %(id)s in the file.")
                    % {"id": parent_id},
                )
            )
            continue
        parent = by_id.get(parent_id)
        if parent is None or parent_id == unit.external_id:
            continue
        if nested_teams and parent.kind == unit.kind == UnitKind.TEAM:
            continue
        if UNIT_KIND_LEVELS[parent.kind] >= UNIT_KIND_LEVELS[unit.kind]:
            errors.append(
                RowError(
                    table=UNITS,
                    line=unit.line,
                    column=column,
                    message=_(
                        "A unit of the kind %(child)s cannot lie below a unit of the kind "
                        "%(parent)s (%(id)s). The order from the top is: municipality, "
                        "administration, area, institution, team."
                    )
                    % {
                        "child": UnitKind(unit.kind).label,
                        "parent": UnitKind(parent.kind).label,
                        "id": parent_id,
                    },
                )
            )
    # Cycles: follow each unit upwards; a walk that meets itself is a cycle.
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    in_cycle: dict[str, list[str]] = {}
    for start in by_id:
        if state.get(start):
            continue
        walk: list[str] = []
        current: str | None = start
        while current is not None and current in by_id and not state.get(current):
            state[current] = 1
            walk.append(current)
            current = by_id[current].parent_id or None
        if current is not None and state.get(current) == 1:
            cycle = walk[walk.index(current) :]
            for member in cycle:
                in_cycle[member] = cycle
        for member in walk:
            state[member] = 2
    for unit in units:
        cycle = in_cycle.get(unit.external_id)
        if cycle is None:
            continue
        if len(cycle) == 1:
            message = _("A unit cannot be its own parent.")
        else:
            message = _("The units %(ids)s form a circle: a unit cannot lie below itself.") % {
                "ids": " → ".join([*cycle, cycle[0]])
            }
        errors.append(RowError(table=UNITS, line=unit.line, column=column, message=message))
    return errors


def _parse_people(
    table: Table, unit_ids: dict[str, int] | None, ticker: _Ticker
) -> tuple[list[PersonRow], list[RowError]]:
    missing, errors = _column_errors(table, PEOPLE, PEOPLE_REQUIRED_COLUMNS, PEOPLE_COLUMNS)
    label = table.label
    people: list[PersonRow] = []
    first_line: dict[str, int] = {}
    has_email = "email" in table.headers
    has_leader = "is_leader" in table.headers
    for row in table.rows:
        ticker.tick()
        values = row.values
        ok = True
        for column in PEOPLE_REQUIRED_CELLS:
            if column not in missing and not values.get(column, ""):
                errors.append(_empty(PEOPLE, row.line, label(column)))
                ok = False
        external_id = values.get("external_id", "")
        name = values.get("name", "")
        email = values.get("email", "") if has_email else ""
        unit_id = values.get("unit_id", "")
        for column, value in (("external_id", external_id), ("name", name), ("email", email)):
            if len(value) > MAX_LENGTHS[column]:
                errors.append(_too_long(PEOPLE, row.line, label(column), MAX_LENGTHS[column]))
                ok = False
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(
                    RowError(
                        table=PEOPLE,
                        line=row.line,
                        column=label("email"),
                        message=_("“%(value)s” is not a valid e-mail address.") % {"value": email},
                    )
                )
                ok = False
        is_leader: bool | None = False
        if has_leader:
            raw = values.get("is_leader", "")
            is_leader = parse_bool(raw)
            if is_leader is None:
                errors.append(
                    RowError(
                        table=PEOPLE,
                        line=row.line,
                        column=label("is_leader"),
                        message=_(
                            "Write ja or nej (or 1 or 0) to say whether the person is a "
                            "leader, not “%(value)s”."
                        )
                        % {"value": raw},
                    )
                )
                ok = False
        if unit_id and unit_ids is not None and unit_id not in unit_ids:
            errors.append(
                RowError(
                    table=PEOPLE,
                    line=row.line,
                    column=label("unit_id"),
                    message=_("There is no unit with the id %(id)s in the file.") % {"id": unit_id},
                )
            )
            ok = False
        if external_id:
            if external_id in first_line:
                errors.append(
                    _duplicate(
                        PEOPLE,
                        row.line,
                        label("external_id"),
                        external_id,
                        first_line[external_id],
                    )
                )
                ok = False
            else:
                first_line[external_id] = row.line
        if ok and not missing:
            people.append(
                PersonRow(
                    line=row.line,
                    external_id=external_id,
                    name=name,
                    email=email,
                    unit_id=unit_id,
                    is_leader=bool(is_leader),
                )
            )
    return people, errors


def parse_organisation(
    tables: list[Table], *, progress: Progress | None = None
) -> ParsedOrganisation:
    """Check the whole file and collect every problem; rows only if there are none."""
    units_table, people_table, errors = pick_tables(tables)
    total = sum(len(t.rows) for t in (units_table, people_table) if t is not None)
    ticker = _Ticker(progress, total)
    result = ParsedOrganisation()
    # Without a readable units table, references to units cannot be checked.
    unit_ids: dict[str, int] | None = None
    if units_table is not None:
        units, unit_errors = _parse_units(units_table, ticker)
        errors.extend(unit_errors)
        result.units = units
        if "external_id" in units_table.headers:
            unit_ids = {
                row.get("external_id"): row.line
                for row in units_table.rows
                if row.get("external_id")
            }
    if people_table is not None:
        people, people_errors = _parse_people(people_table, unit_ids, ticker)
        errors.extend(people_errors)
        result.people = people
    ticker.finish()
    order = {UNITS: 0, PEOPLE: 1}
    errors.sort(key=lambda e: (order.get(e.table, -1), e.line))
    result.errors = errors
    if errors:
        result.units, result.people = [], []
    return result


# -- comparing with what is stored ---------------------------------------------


@dataclass(frozen=True)
class StoredUnit:
    id: int
    external_id: str
    name: str
    kind: str
    parent_id: str  # the parent's external id, "" for none
    is_active: bool
    kle: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredPerson:
    id: int
    external_id: str
    name: str
    email: str
    unit_id: str  # the unit's external id
    is_leader: bool
    is_active: bool


# Kinds of change, in the order the report lists them.
CHANGE_KINDS = ("added", "renamed", "updated", "moved", "reactivated", "deactivated")
EXAMPLES_PER_KIND = 20


@dataclass
class Plan:
    """What an import will do. Ids in the lists are external ids."""

    new_units: list[UnitRow] = field(default_factory=list)  # parents before children
    changed_units: list[tuple[UnitRow, StoredUnit]] = field(default_factory=list)
    deactivated_units: list[StoredUnit] = field(default_factory=list)
    new_people: list[PersonRow] = field(default_factory=list)
    changed_people: list[tuple[PersonRow, StoredPerson]] = field(default_factory=list)
    deactivated_people: list[StoredPerson] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    # Every change, not only the examples: {table: {kind: [[id, name, detail], ...]}}.
    changes: dict = field(default_factory=dict)
    # The share of units and people it deactivates (see safety()).
    safety: dict = field(default_factory=dict)

    @property
    def write_count(self) -> int:
        return (
            len(self.new_units)
            + len(self.changed_units)
            + len(self.deactivated_units)
            + len(self.new_people)
            + len(self.changed_people)
            + len(self.deactivated_people)
        )


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys((*CHANGE_KINDS, "unchanged"), 0)


class _Tally:
    def __init__(self):
        self.counts = _empty_counts()
        self.examples: dict[str, list[dict]] = {kind: [] for kind in CHANGE_KINDS}
        self.items: dict[str, list[list[str]]] = {kind: [] for kind in CHANGE_KINDS}

    def add(self, kind: str, external_id: str, name: str, detail: str = "") -> None:
        self.counts[kind] += 1
        self.items[kind].append([external_id, name, detail])
        if len(self.examples[kind]) < EXAMPLES_PER_KIND:
            self.examples[kind].append({"external_id": external_id, "name": name, "detail": detail})

    def as_dict(self) -> dict:
        return {"counts": self.counts, "examples": self.examples}


def _depth_order(units: list[UnitRow]) -> list[UnitRow]:
    by_id = {u.external_id: u for u in units}
    depth: dict[str, int] = {}

    def depth_of(external_id: str) -> int:
        chain = []
        current = external_id
        while current in by_id and current not in depth:
            chain.append(current)
            current = by_id[current].parent_id
        base = depth.get(current, -1) if current in by_id else -1
        for member in reversed(chain):
            base += 1
            depth[member] = base
        return depth[external_id]

    return sorted(units, key=lambda u: depth_of(u.external_id))


def plan_changes(
    parsed: ParsedOrganisation,
    stored_units: Iterable[StoredUnit],
    stored_people: Iterable[StoredPerson],
) -> Plan:
    """Compare a checked file with the stored organisation, matching by external id."""
    plan = Plan()
    units_tally, people_tally = _Tally(), _Tally()
    stored_by_id = {u.external_id: u for u in stored_units}
    names = {u.external_id: u.name for u in parsed.units}

    def unit_name(external_id: str) -> str:
        if not external_id:
            return _("(top)")
        if external_id in names:
            return names[external_id]
        stored = stored_by_id.get(external_id)
        return stored.name if stored else external_id

    in_file = set()
    new_units = []
    for row in parsed.units:
        in_file.add(row.external_id)
        old = stored_by_id.get(row.external_id)
        if old is None:
            new_units.append(row)
            units_tally.add("added", row.external_id, row.name)
            continue
        changed = False
        if old.name != row.name:
            units_tally.add("renamed", row.external_id, row.name, old.name)
            changed = True
        details = []
        if old.kind != row.kind:
            details.append(f"{UnitKind(old.kind).label} → {UnitKind(row.kind).label}")
        if row.kle is not None and tuple(old.kle) != tuple(row.kle):
            details.append(f"KLE {', '.join(old.kle) or '–'} → {', '.join(row.kle) or '–'}")
        if details:
            units_tally.add("updated", row.external_id, row.name, "; ".join(details))
            changed = True
        if old.parent_id != row.parent_id:
            units_tally.add(
                "moved",
                row.external_id,
                row.name,
                f"{unit_name(old.parent_id)} → {unit_name(row.parent_id)}",
            )
            changed = True
        if not old.is_active:
            units_tally.add("reactivated", row.external_id, row.name)
            changed = True
        if changed:
            plan.changed_units.append((row, old))
        else:
            units_tally.counts["unchanged"] += 1
    plan.new_units = _depth_order(new_units)
    for old in stored_by_id.values():
        if old.external_id not in in_file and old.is_active:
            plan.deactivated_units.append(old)
            units_tally.add("deactivated", old.external_id, old.name)

    stored_people_by_id = {p.external_id: p for p in stored_people}
    in_file = set()
    for row in parsed.people:
        in_file.add(row.external_id)
        old = stored_people_by_id.get(row.external_id)
        if old is None:
            plan.new_people.append(row)
            people_tally.add("added", row.external_id, row.name, unit_name(row.unit_id))
            continue
        changed = False
        if old.name != row.name:
            people_tally.add("renamed", row.external_id, row.name, old.name)
            changed = True
        details = []
        if old.email != row.email:
            details.append(f"{old.email or '–'} → {row.email or '–'}")
        if old.is_leader != row.is_leader:
            details.append(_("leader") if row.is_leader else _("no longer leader"))
        if details:
            people_tally.add("updated", row.external_id, row.name, "; ".join(details))
            changed = True
        if old.unit_id != row.unit_id:
            people_tally.add(
                "moved",
                row.external_id,
                row.name,
                f"{unit_name(old.unit_id)} → {unit_name(row.unit_id)}",
            )
            changed = True
        if not old.is_active:
            people_tally.add("reactivated", row.external_id, row.name)
            changed = True
        if changed:
            plan.changed_people.append((row, old))
        else:
            people_tally.counts["unchanged"] += 1
    for old in stored_people_by_id.values():
        if old.external_id not in in_file and old.is_active:
            plan.deactivated_people.append(old)
            people_tally.add("deactivated", old.external_id, old.name)

    plan.report = {
        "rows": {UNITS: len(parsed.units), PEOPLE: len(parsed.people)},
        UNITS: units_tally.as_dict(),
        PEOPLE: people_tally.as_dict(),
        "changes": plan.write_count,
    }
    plan.changes = {UNITS: units_tally.items, PEOPLE: people_tally.items}
    return plan


def safety(plan: Plan, *, active_units: int, active_people: int, limit_percent: float) -> dict:
    """How much of the stored organisation a plan deactivates, against the limit.

    `exceeded`: more than `limit_percent` of the active units or of the
    active people would be deactivated; such a plan needs a confirmation
    that names the number. `large`: the plan changes (renames, moves,
    deactivates …) more than that share of what is stored. A first import,
    into an empty organisation, is neither.
    """
    limit = limit_percent / 100

    def share(count: int, of: int) -> float:
        return count / of if of else 0.0

    units, people = len(plan.deactivated_units), len(plan.deactivated_people)
    changed = len(plan.changed_units) + len(plan.changed_people) + units + people
    return {
        "limit_percent": limit_percent,
        UNITS: {"active": active_units, "deactivated": units, "share": share(units, active_units)},
        PEOPLE: {
            "active": active_people,
            "deactivated": people,
            "share": share(people, active_people),
        },
        "exceeded": share(units, active_units) > limit or share(people, active_people) > limit,
        "large": share(changed, active_units + active_people) > limit,
        "deactivations": units + people,
    }
