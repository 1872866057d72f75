"""Writes to the organisation. Each function is one transaction."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core import importing
from tillid.core.importing import Confirmation, ImportResult
from tillid.core.tabular import RowError, Table
from tillid.organisation.importing import (
    PEOPLE,
    UNITS,
    ParsedOrganisation,
    Plan,
    StoredPerson,
    StoredUnit,
    files_digest,
    pack_files,
    parse_organisation,
    plan_changes,
    read_tables,
    safety,
    unpack_files,
)
from tillid.organisation.kle import KLEPlan
from tillid.organisation.models import (
    ImportSource,
    ImportStage,
    ImportStatus,
    JobFunctionRole,
    KLELevel,
    KLENumber,
    OrganisationImport,
    Person,
    Role,
    RoleGrant,
    Unit,
)


def compute_paths(parents: dict[int, int | None]) -> dict[int, tuple[str, int]]:
    """Path and depth for every unit id, from a map of unit id to parent id.

    Raises ValueError on a cycle, which validation should have caught.
    """
    result: dict[int, tuple[str, int]] = {}

    def resolve(unit_id: int, seen: tuple[int, ...] = ()) -> tuple[str, int]:
        if unit_id in result:
            return result[unit_id]
        if unit_id in seen:
            raise ValueError(f"cycle in the unit tree at unit {unit_id}")
        parent_id = parents.get(unit_id)
        if parent_id is None or parent_id not in parents:
            value = (f"/{unit_id}/", 0)
        else:
            parent_path, parent_depth = resolve(parent_id, (*seen, unit_id))
            value = (f"{parent_path}{unit_id}/", parent_depth + 1)
        result[unit_id] = value
        return value

    for unit_id in parents:
        resolve(unit_id)
    return result


@transaction.atomic
def rebuild_paths() -> int:
    """Recompute every unit's path and depth; returns how many changed.

    One transaction: a tree with some paths new and some old would put
    people in the wrong subtree."""
    rows = list(Unit.objects.values_list("id", "parent_id", "path", "depth"))
    computed = compute_paths({uid: parent for uid, parent, _p, _d in rows})
    changed = []
    for uid, _parent, path, depth in rows:
        new_path, new_depth = computed[uid]
        if (path, depth) != (new_path, new_depth):
            changed.append((new_path, new_depth, uid))
    if changed:
        # One prepared statement run per row: far quicker than bulk_update's
        # CASE expressions when a whole new tree gets its paths.
        table = connection.ops.quote_name(Unit._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET path = %s, depth = %s WHERE id = %s", changed)
    return len(changed)


@transaction.atomic
def create_unit(*, external_id: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    unit = Unit.objects.create(external_id=external_id, name=name, kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def link_user_to_person(*, user) -> Person | None:
    """Link a user to the active person with the same e-mail, if exactly one."""
    if not user.email:
        return None
    existing = Person.objects.filter(user=user).first()
    if existing is not None:
        return existing
    matches = list(
        Person.objects.filter(email__iexact=user.email, is_active=True, user__isnull=True)[:2]
    )
    if len(matches) != 1:
        return None
    person = matches[0]
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return person


@transaction.atomic
def grant_role(
    *,
    role: str,
    unit: Unit | None,
    user=None,
    person: Person | None = None,
    granted_by=None,
) -> RoleGrant:
    """Grant a role for a unit (None: the whole organisation) to a login or to a
    person from the organisation; a person's grant applies to their account from
    the first time they log in."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    if (user is None) == (person is None):
        raise ValueError("grant a role to a user or to a person")
    grant, _created = RoleGrant.objects.get_or_create(
        user=user, person=person, role=role, unit=unit, defaults={"granted_by": granted_by}
    )
    return grant


@transaction.atomic
def revoke_role(*, grant_id: int) -> bool:
    deleted, _ = RoleGrant.objects.filter(pk=grant_id).delete()
    return bool(deleted)


@transaction.atomic
def create_user_for_person(*, person: Person, username: str, password: str | None = None):
    """A local login for a person (demo and small sites without SSO)."""
    User = get_user_model()
    first, _sep, last = person.name.partition(" ")
    user = User.objects.create_user(
        username=username,
        email=person.email,
        password=password,
        first_name=first[:150],
        last_name=last[:150],
    )
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return user


# -- the organisation import ---------------------------------------------------
#
# Progress and transactions. The import writes in one transaction, so nothing is
# half-saved. Progress must still reach the status page while it runs, and the
# page reads the OrganisationImport row from another connection, which sees only
# committed data. So the work is split:
#
# 1. Reading and checking the file (most of the time for a large file) happen
#    before the transaction; progress is written to the row in autocommit.
# 2. The write phase is one short transaction. On PostgreSQL progress goes
#    through a second connection, which commits on its own and does not touch
#    the rows the import locks. On SQLite the import transaction holds the only
#    write lock of the database file, so a second connection would wait for it;
#    there the stage says "saving" until the transaction commits.
#
# Concurrent imports are serialised: on PostgreSQL by an advisory lock taken
# first in the transaction, on SQLite by its single writer (transactions start
# with BEGIN IMMEDIATE, see settings). The comparison with the stored
# organisation happens after the lock, so a second import sees the first one's
# result.

IMPORT_LOCK_ID = 0x7411_1D01  # advisory lock: one import writes at a time
REGISTER_LOCK_ID = 0x7411_1D02  # advisory lock: one upload is registered at a time
IMPORT_BATCH_SIZE = 2000
STALE_IMPORT_AFTER = timedelta(hours=2)

logger = logging.getLogger(__name__)


class ImportProgress(Protocol):
    def __call__(self, *, stage: str, done: int, total: int) -> None: ...


# The reasons written on the history rows of an import, a sync and an undo;
# an undo finds the rows of the import it undoes by them and the time.
FILE_IMPORT_REASON = "organisation import"
OS2MO_SYNC_REASON = "OS2mo sync"
UNDO_REASON = "organisation import undone"
BASELINE_REASON = "state before organisation import"


def _stored_units() -> list[StoredUnit]:
    rows = list(
        Unit.objects.values_list(
            "id", "external_id", "name", "kind", "parent_id", "is_active", "source_kle"
        )
    )
    external = {pk: ext for pk, ext, *_rest in rows}
    return [
        StoredUnit(
            id=pk,
            external_id=ext,
            name=name,
            kind=kind,
            parent_id=external.get(parent, "") if parent else "",
            is_active=active,
            kle=tuple(kle or ()),
        )
        for pk, ext, name, kind, parent, active, kle in rows
    ]


def _stored_people(unit_external: dict[int, str]) -> list[StoredPerson]:
    return [
        StoredPerson(
            id=pk,
            external_id=ext,
            name=name,
            email=email,
            unit_id=unit_external[unit],
            is_leader=leader,
            is_active=active,
        )
        for pk, ext, name, email, unit, leader, active in Person.objects.values_list(
            "id", "external_id", "name", "email", "unit_id", "is_leader", "is_active"
        ).iterator(chunk_size=5000)
    ]


def _chunks(items: list, size: int = IMPORT_BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _RawWriter:
    """Inserts and updates rows with their history rows, in plain SQL batches.

    The ORM's bulk_create builds a model object per row and prepares each
    value field by field; for 45,000 people and as many history rows that is
    most of an import's time. The rows here are simple (text, booleans,
    foreign keys and one timestamp), so they go in as prepared statements run
    per batch. The history rows are the ones django-simple-history would
    write: every tracked field plus history_date, history_type ("+" created,
    "~" changed), history_user and history_change_reason.
    """

    def __init__(self, *, now, user, reason: str, step: Callable[[int], None]):
        self.ops = connection.ops
        self.now = now
        self.user_id = user.pk if user is not None else None
        self.reason = reason
        self.step = step

    def _adapt(self, model, row: dict) -> dict:
        for field in model._meta.concrete_fields:
            kind = field.get_internal_type()
            if kind == "DateTimeField" and row.get(field.attname):
                row[field.attname] = self.ops.adapt_datetimefield_value(row[field.attname])
            elif kind == "JSONField" and field.attname in row:
                row[field.attname] = field.get_db_prep_save(row[field.attname], connection)
        return row

    def _executemany(self, sql: str, rows: list[tuple]) -> None:
        with connection.cursor() as cursor:
            for batch in _chunks(rows):
                cursor.executemany(sql, batch)

    def _insert(self, model, columns: list[str], rows: list[tuple]) -> None:
        qn = self.ops.quote_name
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT for many rows.
            sql = (
                f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
            )
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        self._executemany(sql, rows)

    def _history(
        self, model, rows: list[dict], history_type: str, *, at=None, reason: str | None = None
    ) -> None:
        history_model = model.history.model
        fields = [f for f in history_model._meta.concrete_fields if f.attname != "history_id"]
        special = {
            "history_date": self.ops.adapt_datetimefield_value(at or self.now),
            "history_type": history_type,
            "history_user_id": self.user_id,
            "history_change_reason": self.reason if reason is None else reason,
        }
        columns = [f.column for f in fields]
        names = [f.attname for f in fields]
        self._insert(
            history_model,
            columns,
            [tuple(special[n] if n in special else row[n] for n in names) for row in rows],
        )

    def create(self, model, rows: list[dict]) -> dict[str, int]:
        """Insert rows (dicts of attname to value); returns external id → pk of all rows."""
        if not rows:
            return {}
        for row in rows:
            row.setdefault("created_at", self.now)
            row.setdefault("updated_at", self.now)
            self._adapt(model, row)
        columns = list(rows[0])
        for batch in _chunks(rows):
            self._insert(
                model,
                [model._meta.get_field(c).column for c in columns],
                [tuple(row[c] for c in columns) for row in batch],
            )
            self.step(len(batch))
        ids = dict(model.objects.values_list("external_id", "id"))
        for row in rows:
            row["id"] = ids[row["external_id"]]
        self._history(model, rows, "+")
        return ids

    def update(self, model, wanted: dict[int, dict]) -> None:
        """Set fields on existing rows (pk → {attname: value}), with a history row each."""
        if not wanted:
            return
        changed_fields = sorted({name for values in wanted.values() for name in values})
        changed_fields.append("updated_at")
        attnames = [f.attname for f in model._meta.concrete_fields]
        qn = self.ops.quote_name
        sets = ", ".join(f"{qn(model._meta.get_field(n).column)} = %s" for n in changed_fields)
        sql = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn('id')} = %s"
        ids = list(wanted)
        for batch in _chunks(ids):
            rows = list(model.objects.filter(pk__in=batch).values(*attnames))
            self._baseline(model, rows)
            for row in rows:
                row.update(wanted[row["id"]])
                row["updated_at"] = self.now
                self._adapt(model, row)
            self._executemany(sql, [(*(row[n] for n in changed_fields), row["id"]) for row in rows])
            self._history(model, rows, "~")
            self.step(len(batch))

    def _baseline(self, model, rows: list[dict]) -> None:
        """A history row with the state before the change, for rows that have none.

        Rows written without history (bulk-created by a script, or older than the
        history) would otherwise leave an undo nothing to restore them to.
        """
        ids = [row["id"] for row in rows]
        known = set(model.history.filter(id__in=ids).values_list("id", flat=True).distinct())
        missing = [self._adapt(model, dict(row)) for row in rows if row["id"] not in known]
        if missing:
            self._history(
                model,
                missing,
                "~",
                at=self.now - timedelta(microseconds=1),
                reason=BASELINE_REASON,
            )


def _write_plan(
    plan: Plan, *, user, step: Callable[[int], None], reason: str = FILE_IMPORT_REASON
) -> datetime:
    """Apply a plan: creations, updates and deactivations, each with history rows.

    Returns the time written on every history row, which identifies the
    import for an undo.
    """
    writer = _RawWriter(now=timezone.now(), user=user, reason=reason, step=step)
    unit_pk = dict(Unit.objects.values_list("external_id", "id"))

    # New units level by level, so every parent exists before its children.
    pending = plan.new_units
    while pending:
        ready = [u for u in pending if not u.parent_id or u.parent_id in unit_pk]
        if not ready:  # cannot happen after validation; guards against a loop
            raise ValueError("units without a known parent")
        ready_ids = {u.external_id for u in ready}
        pending = [u for u in pending if u.external_id not in ready_ids]
        unit_pk = writer.create(
            Unit,
            [
                {
                    "external_id": u.external_id,
                    "name": u.name,
                    "kind": u.kind,
                    "parent_id": unit_pk[u.parent_id] if u.parent_id else None,
                    "path": "",
                    "depth": 0,
                    "is_active": True,
                    "source_kle": list(u.kle) if u.kle is not None else None,
                }
                for u in ready
            ],
        )

    wanted = {
        old.id: {
            "name": row.name,
            "kind": row.kind,
            "parent_id": unit_pk[row.parent_id] if row.parent_id else None,
            "is_active": True,
            **({"source_kle": list(row.kle)} if row.kle is not None else {}),
        }
        for row, old in plan.changed_units
    }
    wanted.update({old.id: {"is_active": False} for old in plan.deactivated_units})
    writer.update(Unit, wanted)
    rebuild_paths()
    _follow_source_kle(
        {unit_pk[u.external_id]: u.kle for u in plan.new_units if u.kle is not None}
        | {old.id: row.kle for row, old in plan.changed_units if row.kle is not None}
    )

    writer.create(
        Person,
        [
            {
                "external_id": p.external_id,
                "name": p.name,
                "email": p.email,
                "unit_id": unit_pk[p.unit_id],
                "is_leader": p.is_leader,
                "is_active": True,
                "user_id": None,
            }
            for p in plan.new_people
        ],
    )
    wanted = {
        old.id: {
            "name": row.name,
            "email": row.email,
            "unit_id": unit_pk[row.unit_id],
            "is_leader": row.is_leader,
            "is_active": True,
        }
        for row, old in plan.changed_people
    }
    wanted.update({old.id: {"is_active": False} for old in plan.deactivated_people})
    writer.update(Person, wanted)
    return writer.now


def _follow_source_kle(numbers: dict[int, tuple[str, ...]]) -> None:
    """Units whose source gave KLE numbers get exactly those task areas, as far as
    the KLE list knows them (numbers it does not know are kept in source_kle and
    taken up once `kle_update` has loaded them). One delete and one insert."""
    if not numbers:
        return
    known = dict(KLENumber.objects.values_list("number", "pk"))
    through = Unit.kle_numbers.through
    through.objects.filter(unit_id__in=list(numbers)).delete()
    through.objects.bulk_create(
        [
            through(unit_id=unit_id, klenumber_id=known[n])
            for unit_id, given in numbers.items()
            for n in sorted(set(given))
            if n in known
        ],
        batch_size=1000,
    )


class OrganisationImporter(importing.BaseImporter[ParsedOrganisation, Plan, dict]):
    """The organisation through the core runner: parse the source (a file or an
    OS2mo snapshot) outside the transaction with progress; plan against the
    stored organisation after the lock; ask for a confirmation when the plan
    deactivates more than the set share; write with history rows.

    The report is plan.report with the safety figures, the time the history
    rows carry (`applied_at`, when written) and every change (`lists`).
    """

    lock_key = IMPORT_LOCK_ID

    def __init__(
        self,
        *,
        parse: Callable[[Callable[[int, int], None]], ParsedOrganisation],
        progress: ImportProgress | None = None,
        user=None,
        reason: str = FILE_IMPORT_REASON,
        dry_run: bool = False,
        on_write: Callable[[datetime], None] | None = None,
    ):
        self._parse, self.progress, self.user, self.reason = parse, progress, user, reason
        self.dry_run, self.on_write = dry_run, on_write
        self.total = 0  # progress counts each row twice: once checked, once saved
        self.applied_at: datetime | None = None

    def report_progress(self, stage: str, done: int) -> None:
        if self.progress is not None:
            self.progress(stage=stage, done=done, total=2 * self.total)

    def parse(self) -> tuple[ParsedOrganisation, list[RowError]]:
        def checking(done: int, rows: int) -> None:
            self.total = rows
            self.report_progress("checking", done)

        parsed = self._parse(checking)
        return parsed, parsed.errors

    def plan(self, parsed: ParsedOrganisation) -> Plan:
        self.report_progress("saving", self.total)
        stored_units = _stored_units()
        stored_people = _stored_people({u.id: u.external_id for u in stored_units})
        plan = plan_changes(parsed, stored_units, stored_people)
        plan.safety = safety(
            plan,
            active_units=sum(1 for u in stored_units if u.is_active),
            active_people=sum(1 for p in stored_people if p.is_active),
            limit_percent=settings.TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT,
        )
        return plan

    def confirmation(self, plan: Plan) -> Confirmation | None:
        if not plan.safety["exceeded"]:
            return None
        return Confirmation(
            count=plan.safety["deactivations"],
            details={
                UNITS: len(plan.deactivated_units),
                PEOPLE: len(plan.deactivated_people),
            },
        )

    def write(self, plan: Plan) -> None:
        if not plan.write_count:
            return  # nothing changed: nothing is written, not even history
        done = 0
        scale = self.total / plan.write_count

        def step(count: int) -> None:
            nonlocal done
            done += count
            self.report_progress("saving", self.total + int(done * scale))

        self.applied_at = _write_plan(plan, user=self.user, step=step, reason=self.reason)
        if self.on_write is not None:
            self.on_write(self.applied_at)

    def report(self, plan: Plan) -> dict:
        return {
            **plan.report,
            "dry_run": self.dry_run,
            "safety": plan.safety,
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
            "lists": plan.changes,
        }


def import_organisation(
    *,
    tables: list[Table] | None = None,
    parsed: ParsedOrganisation | None = None,
    progress: ImportProgress | None = None,
    dry_run: bool = False,
    user=None,
    confirmed_deactivations: int | None = None,
    reason: str = FILE_IMPORT_REASON,
    on_write: Callable[[datetime], None] | None = None,
) -> ImportResult[dict]:
    """Check an organisation file and, if it has no errors, make the organisation match it.

    All or nothing: every problem in the file is collected first, and nothing is
    written when there is one. Units and people are matched by external id;
    those missing from the file are deactivated, never deleted. Unchanged rows
    cause no writes and no history. With `dry_run` the report says what would
    change and nothing is written.

    The safety net: a plan that deactivates more than
    TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT of the active units or people is
    written only with `confirmed_deactivations` equal to the number of units
    and people it deactivates; otherwise the result `needs_confirmation`.
    `parsed` instead of `tables`: rows from another source (OS2mo).
    """

    def parse(checking: Callable[[int, int], None]) -> ParsedOrganisation:
        if parsed is not None:
            checking(parsed.row_count, parsed.row_count)
            return parsed
        return parse_organisation(tables or [], progress=checking)

    importer = OrganisationImporter(
        parse=parse, progress=progress, user=user, reason=reason, dry_run=dry_run, on_write=on_write
    )
    result: ImportResult[dict] = importing.run(
        cast(importing.Importer[Any, Any, dict], importer),
        dry_run=dry_run,
        confirmed=confirmed_deactivations,
    )
    importer.report_progress("done", 2 * importer.total)
    return result


# -- stored imports: the upload page, the command and the background task ------


class ImportAlreadyRunning(Exception):
    """The same files are already being imported."""

    def __init__(self, running: OrganisationImport):
        super().__init__(f"import {running.pk} is still running")
        self.running = running


@transaction.atomic
def create_import(
    *,
    files: list[tuple[str, bytes]],
    dry_run: bool,
    user=None,
    row_count: int = 0,
    in_background: bool = False,
    source: str = "file",
) -> OrganisationImport:
    """Store an upload before it runs. Refuses the same files while they are running.

    A double submit of the upload form arrives as two requests at once; the lock
    makes the second wait for the first and then find it. (A separate lock
    from the import's own, so an upload does not wait for a running import.)
    An import left waiting or running for hours (a stopped worker) no longer
    blocks the same files.
    """
    importing.lock(REGISTER_LOCK_ID)
    digest = files_digest(files, dry_run=dry_run)
    running = (
        OrganisationImport.objects.filter(
            content_hash=digest,
            status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING],
            created_at__gte=timezone.now() - STALE_IMPORT_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if running is not None:
        raise ImportAlreadyRunning(running)
    return OrganisationImport.objects.create(
        filename=", ".join(name for name, _content in files)[:255],
        content=pack_files(files),
        content_hash=digest,
        dry_run=dry_run,
        uploaded_by=user,
        row_count=row_count,
        in_background=in_background,
        total_rows=2 * row_count,
        stage=ImportStage.QUEUED,
        source=source,
    )


class _ProgressWriter:
    """Writes progress to an import's row where other connections can see it.

    Outside a transaction: an ordinary update (autocommit). Inside the import
    transaction on PostgreSQL: an update through a second connection. Inside a
    transaction on SQLite: nothing (see the comment above IMPORT_LOCK_ID).
    At most a few writes a second.
    """

    def __init__(self, record: OrganisationImport, interval: float = 0.5):
        self.record = record
        self.interval = interval
        self.last = 0.0
        self.side: BaseDatabaseWrapper | None = None

    def __call__(self, *, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.interval and stage == self.record.stage:
            return
        self.last = now
        self.record.stage, self.record.processed_rows, self.record.total_rows = stage, done, total
        if not connection.in_atomic_block:
            OrganisationImport.objects.filter(pk=self.record.pk).update(
                stage=stage, processed_rows=done, total_rows=total
            )
        elif connection.vendor == "postgresql":
            self._side_update(stage, done, total)

    def _side_update(self, stage: str, done: int, total: int) -> None:
        try:
            if self.side is None:
                self.side = connections.create_connection("default")
            table = self.side.ops.quote_name(OrganisationImport._meta.db_table)
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET stage = %s, processed_rows = %s, total_rows = %s "
                    "WHERE id = %s",
                    [stage, done, total, self.record.pk],
                )
        except Exception:  # progress is best effort; it never fails an import
            logger.warning("could not write import progress", exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def _record_tables(
    record: OrganisationImport,
) -> tuple[ParsedOrganisation | None, list, list[RowError]]:
    """The stored source of an import: (OS2mo rows, file tables, errors reading it)."""
    files = unpack_files(bytes(record.content))
    if record.source == ImportSource.OS2MO:
        from tillid.organisation import os2mo  # only needed for syncs; no cycle

        return os2mo.parse_snapshot(os2mo.load_snapshot(files)), [], []
    tables, errors = read_tables(files)
    return None, tables, errors


def run_import(*, import_id: int) -> OrganisationImport:
    """Run a stored import to its end and record the outcome on its row.

    Not one transaction by design: the status and progress writes around the
    import must be visible while it runs. The import itself
    (import_organisation) is one transaction. Running a finished import again
    does nothing, so a repeated task or a reloaded page cannot import twice.
    A plan that needs a confirmation leaves the import waiting for one
    (confirm_import), with its plan in the report.
    """
    claimed = OrganisationImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, stage=ImportStage.READING, started_at=timezone.now()
    )
    record = OrganisationImport.objects.get(pk=import_id)
    if not claimed:
        return record
    writer = _ProgressWriter(record)
    reason = OS2MO_SYNC_REASON if record.source == ImportSource.OS2MO else FILE_IMPORT_REASON

    def applied(at: datetime) -> None:
        # Inside the import's transaction: the import and its mark commit together.
        OrganisationImport.objects.filter(pk=record.pk).update(applied_at=at, change_reason=reason)

    try:
        parsed, tables, errors = _record_tables(record)
        result: ImportResult[dict]
        if errors:
            result = ImportResult(errors=errors, dry_run=record.dry_run)
        else:
            result = import_organisation(
                tables=tables,
                parsed=parsed,
                progress=writer,
                dry_run=record.dry_run,
                user=record.uploaded_by,
                confirmed_deactivations=record.confirmed_deactivations,
                reason=reason,
                on_write=applied,
            )
    except Exception:
        logger.exception("organisation import %s failed", import_id)
        result = ImportResult(
            errors=[
                RowError(
                    table="",
                    line=0,
                    column="",
                    message=_(
                        "The import stopped because of an unexpected error. Nothing was saved. "
                        "Try again, or contact the administrator if it happens again."
                    ),
                )
            ],
            dry_run=record.dry_run,
        )
    finally:
        writer.close()
    report = dict(result.report or {})
    if result.needs_confirmation:
        record.status = ImportStatus.AWAITING_CONFIRMATION
    else:
        record.status = ImportStatus.SUCCEEDED if result.ok else ImportStatus.FAILED
    record.stage = ImportStage.DONE
    record.errors = [e.as_dict() for e in result.errors]
    record.changes = report.pop("lists", {})
    record.report = report
    record.processed_rows = record.total_rows
    record.finished_at = timezone.now()
    record.save(
        update_fields=[
            "status",
            "stage",
            "errors",
            "report",
            "changes",
            "processed_rows",
            "total_rows",
            "finished_at",
        ]
    )
    if result.written and result.report and result.report.get("applied_at"):
        record.refresh_from_db(fields=["applied_at", "change_reason"])
    return record


class ImportNotWaiting(Exception):
    """The import does not wait for a confirmation (any more)."""


def confirm_import(*, import_id: int, count: int, user=None) -> OrganisationImport:
    """Confirm an import that waits for it, naming the number it deactivates; queues it again.

    The import is planned anew when it runs: if the organisation has changed
    meanwhile and the plan deactivates another number, it waits again.
    """
    confirmed = OrganisationImport.objects.filter(
        pk=import_id, status=ImportStatus.AWAITING_CONFIRMATION
    ).update(
        status=ImportStatus.QUEUED,
        stage=ImportStage.QUEUED,
        confirmed_deactivations=count,
        confirmed_by=user,
        processed_rows=0,
    )
    if not confirmed:
        raise ImportNotWaiting(import_id)
    return OrganisationImport.objects.get(pk=import_id)


# -- undoing an import -----------------------------------------------------------

UNDO_FIELDS = {
    Unit: ("name", "kind", "parent_id", "is_active", "source_kle"),
    Person: ("name", "email", "unit_id", "is_leader", "is_active"),
}


class ImportCannotBeUndone(Exception):
    """Why an import cannot be undone, as a message for the user."""


def undo_refusal(record: OrganisationImport, *, now: datetime | None = None) -> str | None:
    """Why the import cannot be undone (a message), or None when it can."""
    if record.undone_at is not None:
        return _("The import has already been undone.")
    if record.status != ImportStatus.SUCCEEDED or record.dry_run or record.applied_at is None:
        return _("Only an import that changed the organisation can be undone.")
    now = now or timezone.now()
    if record.applied_at < now - timedelta(days=settings.TILLID_IMPORT_UNDO_DAYS):
        return _("An import can be undone for %(days)s days; this one is older.") % {
            "days": settings.TILLID_IMPORT_UNDO_DAYS
        }
    later = OrganisationImport.objects.filter(
        applied_at__gt=record.applied_at, undone_at__isnull=True
    ).exists()
    if later:
        return _(
            "A later import has changed the organisation since. Only the latest import "
            "can be undone."
        )
    return None


def _previous_rows(model, ids: list[int], before: datetime) -> dict[int, dict]:
    """Each object's last history row before a time: its state then."""
    fields = UNDO_FIELDS[model]
    found: dict[int, dict] = {}
    for chunk in _chunks(ids, 500):
        last = (
            model.history.filter(id__in=chunk, history_date__lt=before)
            .values("id")
            .annotate(last=Max("history_id"))
            .values_list("last", flat=True)
        )
        for row in model.history.filter(history_id__in=list(last)).values("id", *fields):
            found[row["id"]] = row
    return found


def _restore(record: OrganisationImport, user) -> dict:
    """Put back every unit and person the import wrote as it was before, from history."""
    writer = _RawWriter(now=timezone.now(), user=user, reason=UNDO_REASON, step=lambda n: None)
    report = {}
    for model, table in ((Unit, UNITS), (Person, PEOPLE)):
        fields = UNDO_FIELDS[model]
        ids = list(
            model.history.filter(
                history_date=record.applied_at, history_change_reason=record.change_reason
            )
            .values_list("id", flat=True)
            .distinct()
        )
        assert record.applied_at is not None  # undo_refusal lets no other through
        before = _previous_rows(model, ids, record.applied_at)
        current: dict[int, dict] = {}
        for chunk in _chunks(ids, 500):
            for row in model.objects.filter(id__in=chunk).values("id", *fields):
                current[row["id"]] = row
        counts = {"restored": 0, "reactivated": 0, "deactivated": 0}
        wanted: dict[int, dict] = {}
        for pk in ids:
            now_row = current.get(pk)
            if now_row is None:
                continue
            # An object the import created did not exist before: it is deactivated.
            target = before.get(pk) or {"is_active": False}
            change = {name: target[name] for name in fields if name in target}
            change = {name: value for name, value in change.items() if now_row[name] != value}
            if not change:
                continue
            wanted[pk] = change
            if change.get("is_active") is True:
                counts["reactivated"] += 1
            elif change.get("is_active") is False:
                counts["deactivated"] += 1
            else:
                counts["restored"] += 1
        writer.update(model, wanted)
        if model is Unit:
            rebuild_paths()
            _follow_source_kle(
                {
                    pk: tuple(change["source_kle"])
                    for pk, change in wanted.items()
                    if change.get("source_kle") is not None
                }
            )
        report[table] = counts
    return report


def undo_import(*, import_id: int, user=None) -> OrganisationImport:
    """Undo an applied import: every unit and person it changed gets its state back.

    One transaction, under the import lock. Only the latest applied import,
    within TILLID_IMPORT_UNDO_DAYS. Units and people it added are deactivated
    (Tillid never deletes them). The undo writes history rows of its own.
    """
    with transaction.atomic():
        importing.lock(IMPORT_LOCK_ID)
        record = OrganisationImport.objects.select_for_update().defer("content").get(pk=import_id)
        refusal = undo_refusal(record)
        if refusal:
            raise ImportCannotBeUndone(refusal)
        record.undo_report = _restore(record, user)
        record.undone_at = timezone.now()
        record.undone_by = user
        record.save(update_fields=["undo_report", "undone_at", "undone_by"])
    return record


# -- OS2mo -------------------------------------------------------------------------


def sync_os2mo(
    *,
    snapshot: dict,
    dry_run: bool = False,
    confirmed_deactivations: int | None = None,
    user=None,
) -> OrganisationImport | None:
    """Make the organisation match a snapshot fetched from OS2mo (see os2mo.py).

    Goes the way of an uploaded file: stored as an import (so the plan, the
    confirmation and the undo work alike) and run by run_import. A snapshot
    that changes nothing is not stored and writes nothing: then None.
    """
    from tillid.organisation import os2mo  # only needed for syncs; no cycle

    parsed = os2mo.parse_snapshot(snapshot)
    if not parsed.errors:
        with transaction.atomic():
            stored_units = _stored_units()
            plan = plan_changes(
                parsed, stored_units, _stored_people({u.id: u.external_id for u in stored_units})
            )
        if not plan.write_count:
            return None
    files = [(os2mo.SNAPSHOT_NAME, os2mo.dump_snapshot(snapshot))]
    record = create_import(
        files=files,
        dry_run=dry_run,
        user=user,
        row_count=parsed.row_count,
        source=ImportSource.OS2MO,
    )
    if confirmed_deactivations is not None:
        OrganisationImport.objects.filter(pk=record.pk).update(
            confirmed_deactivations=confirmed_deactivations, confirmed_by=user
        )
    return run_import(import_id=record.pk)


def sync_from_os2mo(
    *, dry_run: bool = False, confirmed_deactivations: int | None = None, user=None
) -> OrganisationImport | None:
    """Fetch the organisation from the OS2mo in the settings and sync it (see sync_os2mo).

    Raises os2mo.OS2moError when OS2mo cannot be reached or refuses.
    """
    from tillid.organisation import os2mo  # only needed for syncs; no cycle

    client = os2mo.Client(os2mo.Connection.from_settings())
    try:
        snapshot = os2mo.fetch_snapshot(client, on=timezone.localdate())
    finally:
        client.close()
    return sync_os2mo(
        snapshot=snapshot,
        dry_run=dry_run,
        confirmed_deactivations=confirmed_deactivations,
        user=user,
    )


# --- single sign-on (SAML): job-function roles -------------------------------------


@dataclass(frozen=True)
class Privilege:
    """One job-function role from the login, with the org units of its data scope."""

    name: str
    unit_ids: tuple[str, ...] = ()


class NoMappedRole(Exception):
    """None of the login's job-function roles gives a Tillid role."""


def sso_role_grants(privileges: list[Privilege]) -> set[tuple[str, int | None]]:
    """The (role, unit id or None) pairs that the mapping table gives for these roles.

    A role mapped to units takes them from its data scope (units matched by
    external id, which is the org unit's UUID when the organisation comes from
    OS2mo or FK Organisation); a data scope naming no known unit gives nothing.
    """
    names = {p.name for p in privileges}
    mapped: dict[str, list[JobFunctionRole]] = {}
    for row in JobFunctionRole.objects.filter(privilege__in=names):
        mapped.setdefault(row.privilege, []).append(row)
    wanted_units = {ext for p in privileges if p.name in mapped for ext in p.unit_ids}
    units = dict(
        Unit.objects.filter(external_id__in=wanted_units, is_active=True).values_list(
            "external_id", "pk"
        )
    )
    grants: set[tuple[str, int | None]] = set()
    for privilege in privileges:
        for row in mapped.get(privilege.name, ()):
            if row.whole_organisation:
                grants.add((row.role, None))
            else:
                grants.update((row.role, units[ext]) for ext in privilege.unit_ids if ext in units)
    return grants


PERSON_FIELDS = {"email": "email__iexact", "external_id": "external_id"}


@transaction.atomic
def sso_login(
    *,
    username: str,
    person_field: str,
    person_value: str,
    first_name: str,
    last_name: str,
    email: str,
    privileges: list[Privilege],
    create_user: bool,
):
    """The user for a single sign-on login, linked to their person and given their roles.

    Refuses (NoMappedRole) before writing anything when no job-function role
    maps to a Tillid role. The user is the one already linked to the person
    found by `person_field` (e-mail or external id = employee number), else
    the user named `username` (the login's subject), else a new one. The
    user's grants from an earlier login are replaced; grants made by hand stay.
    Returns None when the user is unknown and `create_user` is off.
    """
    wanted = sso_role_grants(privileges)
    if not wanted:
        raise NoMappedRole
    person = None
    if person_value:
        matches = list(
            Person.objects.filter(
                **{PERSON_FIELDS[person_field]: person_value.strip()}, is_active=True
            ).select_related("user")[:2]
        )
        person = matches[0] if len(matches) == 1 else None
    User = get_user_model()
    user = person.user if person is not None and person.user_id else None
    if user is None:
        user = User.objects.filter(username=username).first()
    if user is None:
        if not create_user:
            return None
        user = User.objects.create_user(username=username)
    given = {"first_name": first_name[:150], "last_name": last_name[:150], "email": email[:254]}
    changed = [f for f, value in given.items() if value and value != getattr(user, f)]
    for field in changed:
        setattr(user, field, given[field])
    if changed:
        user.save(update_fields=changed)
    if (
        person is not None
        and person.user_id is None
        and not Person.objects.filter(user=user).exists()
    ):
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    existing = {(g.role, g.unit_id): g for g in RoleGrant.objects.filter(user=user)}
    stale = [g.pk for key, g in existing.items() if g.from_sso and key not in wanted]
    if stale:
        RoleGrant.objects.filter(pk__in=stale).delete()
    # One by one, not in bulk, so each grant gets its history record.
    for role, unit_id in sorted(wanted, key=lambda g: (g[0], g[1] or 0)):
        if (role, unit_id) not in existing:
            RoleGrant.objects.create(user=user, role=role, unit_id=unit_id, from_sso=True)
    return user


@transaction.atomic
def add_job_function_role(
    *, privilege: str, role: str, whole_organisation: bool
) -> JobFunctionRole:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    row, _created = JobFunctionRole.objects.get_or_create(
        privilege=privilege.strip(), role=role, defaults={"whole_organisation": whole_organisation}
    )
    if row.whole_organisation != whole_organisation:
        row.whole_organisation = whole_organisation
        row.save(update_fields=["whole_organisation"])
    return row


@transaction.atomic
def remove_job_function_role(*, mapping_id: int) -> bool:
    deleted, _ = JobFunctionRole.objects.filter(pk=mapping_id).delete()
    return bool(deleted)


# --- KLE task areas -------------------------------------------------------------------


@dataclass
class KLEReport:
    added: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0
    published_on: str = ""


@transaction.atomic
def update_kle(*, plan: KLEPlan, today=None) -> KLEReport:
    """Bring the KLE list in line with a parsed file (see kle.parse_kle); one transaction.

    New numbers are added, changed titles, levels or retirements updated;
    numbers the file no longer has are marked retired (never deleted: units
    and governance items may name them). A file that changes nothing writes
    nothing.
    """
    today = today or timezone.localdate()
    report = KLEReport(published_on=plan.published_on)
    existing = {k.number: k for k in KLENumber.objects.all()}
    in_file = set()
    order: dict[str, int] = {KLELevel.MAIN_GROUP: 0, KLELevel.GROUP: 1, KLELevel.TOPIC: 2}
    for entry in sorted(plan.entries, key=lambda e: (order[e.level], e.number)):
        in_file.add(entry.number)
        parent = existing.get(entry.parent) if entry.parent else None
        row = existing.get(entry.number)
        wanted = {
            "title": entry.title,
            "level": entry.level,
            "parent_id": parent.pk if parent else None,
            "expired_on": entry.expired_on,
        }
        if row is None:
            existing[entry.number] = KLENumber.objects.create(number=entry.number, **wanted)
            report.added += 1
        elif any(getattr(row, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(row, name, value)
            row.save()
            report.changed += 1
        else:
            report.unchanged += 1
    gone = [
        k.pk for number, k in existing.items() if number not in in_file and k.expired_on is None
    ]
    if gone:
        report.retired = KLENumber.objects.filter(pk__in=gone).update(expired_on=today)
    return report


class UnknownKLENumbers(ValueError):
    def __init__(self, numbers: list[str]):
        super().__init__(", ".join(numbers))
        self.numbers = numbers


@transaction.atomic
def set_unit_kle(*, unit: Unit, numbers: list[str]) -> list[KLENumber]:
    """The unit's task areas become exactly these KLE numbers (all must be known)."""
    wanted = sorted({n.strip() for n in numbers if n.strip()})
    found = {k.number: k for k in KLENumber.objects.filter(number__in=wanted)}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise UnknownKLENumbers(unknown)
    unit.kle_numbers.set(found.values())
    return [found[n] for n in wanted]
