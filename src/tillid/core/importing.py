"""One way to get data in: parse → check → plan → write, all or nothing.

Every import in Tillid (the organisation file and the OS2mo sync, the
governance register, past survey responses) is an `Importer` run by `run`:

1. `parse` reads the source and checks what needs no database (cells,
   columns, the shape of the file). It runs outside the transaction, so a
   long file can report progress where other connections see it.
2. In one transaction, after the importer's lock: `check` looks up what the
   rows refer to (units, items, rounds) and reports what does not fit;
   `plan` says what would change; `confirmation` says whether the plan
   needs an explicit yes (the safety net of the organisation import); and
   `write` makes the change, unless this is a dry run, or the plan needs a
   confirmation that was not given.
3. `report` describes the plan; it is the same for a dry run and a write.

Every problem is a `RowError` with table, line, column and a message in the
user's language; with any error nothing is written.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.db import connection, transaction

from tillid.core.tabular import RowError, Table, TabularFileError, read_file

P = TypeVar("P")  # what parse gives
L = TypeVar("L")  # the plan
R = TypeVar("R")  # the report


@dataclass(frozen=True)
class Confirmation:
    """An explicit yes a plan needs before it is written.

    `count` is the number the user must name to confirm (e.g. the units and
    people an import deactivates); `details` says what it is made of.
    """

    count: int
    details: dict = field(default_factory=dict)


@dataclass
class ImportResult(Generic[R]):
    """What became of an import: its errors, or the report of its plan."""

    errors: list[RowError] = field(default_factory=list)
    report: R | None = None
    dry_run: bool = False
    # Set when the plan needs an explicit confirmation (given or not).
    confirmation: Confirmation | None = None
    # Whether the plan was written (false for errors, dry runs and missing confirmations).
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def needs_confirmation(self) -> bool:
        """The plan was not written because it waits for a confirmation."""
        return self.ok and not self.dry_run and not self.written and self.confirmation is not None


class Importer(Protocol[P, L, R]):
    # An advisory lock held for the transaction (PostgreSQL), or None.
    lock_key: int | None

    def parse(self) -> tuple[P, list[RowError]]: ...

    def check(self, parsed: P) -> list[RowError]: ...

    def plan(self, parsed: P) -> L: ...

    def confirmation(self, plan: L) -> Confirmation | None: ...

    def write(self, plan: L) -> None: ...

    def report(self, plan: L) -> R: ...


class BaseImporter(Generic[P, L, R]):
    """Defaults for the optional steps: no lock, no database checks, no confirmation."""

    lock_key: int | None = None

    def check(self, parsed: P) -> list[RowError]:
        return []

    def confirmation(self, plan: L) -> Confirmation | None:
        return None


def lock(key: int) -> None:
    """Held until the transaction ends. SQLite needs none: it has one writer
    (transactions start with BEGIN IMMEDIATE, see settings)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def run(
    importer: Importer[Any, Any, R], *, dry_run: bool = False, confirmed: int | None = None
) -> ImportResult[R]:
    """Run an importer through its steps; nothing is written unless all is well.

    `confirmed` is the number the user named to confirm the plan; a plan
    that needs a confirmation is written only when it equals the plan's own
    count, so a confirmation given for another plan never applies.
    """
    parsed, errors = importer.parse()
    if errors:
        return ImportResult(errors=list(errors), dry_run=dry_run)
    with transaction.atomic():
        if importer.lock_key is not None:
            lock(importer.lock_key)
        errors = importer.check(parsed)
        if errors:
            return ImportResult(errors=list(errors), dry_run=dry_run)
        plan = importer.plan(parsed)
        needed = importer.confirmation(plan)
        allowed = needed is None or confirmed == needed.count
        written = not dry_run and allowed
        if written:
            importer.write(plan)
        report = importer.report(plan)
    return ImportResult(
        errors=[], report=report, dry_run=dry_run, confirmation=needed, written=written
    )


def file_error(filename: str, message: str) -> RowError:
    """A problem with a file as a whole (line 0)."""
    return RowError(table=filename, line=0, column="", message=str(message))


def read_tables(
    filename: str, content: bytes, *, aliases: dict[str, str]
) -> tuple[list[Table], list[RowError]]:
    """The tables in one file, or the reason it cannot be read."""
    try:
        return read_file(filename, content, aliases=aliases), []
    except TabularFileError as exc:
        return [], [file_error(filename, str(exc))]


def by_line(errors: Iterable[RowError]) -> list[RowError]:
    """Errors in the order of the file: by table as first met, then by line."""
    errors = list(errors)
    tables: dict[str, int] = {}
    for error in errors:
        tables.setdefault(error.table, len(tables))
    return sorted(errors, key=lambda e: (tables[e.table], e.line))
