"""Writes to the organisation. Each function is one transaction."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.tabular import RowError, Table
from tillid.organisation.importing import (
    Plan,
    StoredPerson,
    StoredUnit,
    files_digest,
    pack_files,
    parse_organisation,
    plan_changes,
    read_tables,
    unpack_files,
)
from tillid.organisation.models import (
    ImportStage,
    ImportStatus,
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


def rebuild_paths() -> int:
    """Recompute every unit's path and depth; returns how many changed."""
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
def grant_role(*, user, role: str, unit: Unit | None, granted_by=None) -> RoleGrant:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    grant, _created = RoleGrant.objects.get_or_create(
        user=user, role=role, unit=unit, defaults={"granted_by": granted_by}
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


@dataclass
class ImportResult:
    errors: list[RowError]
    report: dict
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors


def _lock_imports(key: int = IMPORT_LOCK_ID) -> None:
    """Held until the transaction ends. SQLite needs none: it has one writer."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _stored_units() -> list[StoredUnit]:
    rows = list(
        Unit.objects.values_list("id", "external_id", "name", "kind", "parent_id", "is_active")
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
        )
        for pk, ext, name, kind, parent, active in rows
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
            if field.get_internal_type() == "DateTimeField" and row.get(field.attname):
                row[field.attname] = self.ops.adapt_datetimefield_value(row[field.attname])
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

    def _history(self, model, rows: list[dict], history_type: str) -> None:
        history_model = model.history.model
        fields = [f for f in history_model._meta.concrete_fields if f.attname != "history_id"]
        special = {
            "history_date": self.ops.adapt_datetimefield_value(self.now),
            "history_type": history_type,
            "history_user_id": self.user_id,
            "history_change_reason": self.reason,
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
            for row in rows:
                row.update(wanted[row["id"]])
                row["updated_at"] = self.now
                self._adapt(model, row)
            self._executemany(sql, [(*(row[n] for n in changed_fields), row["id"]) for row in rows])
            self._history(model, rows, "~")
            self.step(len(batch))


def _write_plan(plan: Plan, *, user, step: Callable[[int], None]) -> None:
    """Apply a plan: creations, updates and deactivations, each with history rows."""
    writer = _RawWriter(now=timezone.now(), user=user, reason="organisation import", step=step)
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
        }
        for row, old in plan.changed_units
    }
    wanted.update({old.id: {"is_active": False} for old in plan.deactivated_units})
    writer.update(Unit, wanted)
    rebuild_paths()

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


def import_organisation(
    *,
    tables: list[Table],
    progress: ImportProgress | None = None,
    dry_run: bool = False,
    user=None,
) -> ImportResult:
    """Check an organisation file and, if it has no errors, make the organisation match it.

    All or nothing: every problem in the file is collected first, and nothing is
    written when there is one. Units and people are matched by external id;
    those missing from the file are deactivated, never deleted. Unchanged rows
    cause no writes and no history. With `dry_run` the report says what would
    change and nothing is written.
    """
    # Progress counts each row twice: once checked, once saved.
    total = 0

    def report_progress(stage: str, done: int) -> None:
        if progress is not None:
            progress(stage=stage, done=done, total=2 * total)

    def checking(done: int, rows: int) -> None:
        nonlocal total
        total = rows
        report_progress("checking", done)

    parsed = parse_organisation(tables, progress=checking)
    if parsed.errors:
        return ImportResult(errors=parsed.errors, report={}, dry_run=dry_run)
    checked = total
    report_progress("saving", total)
    with transaction.atomic():
        _lock_imports()
        stored_units = _stored_units()
        plan = plan_changes(
            parsed, stored_units, _stored_people({u.id: u.external_id for u in stored_units})
        )
        if not dry_run and plan.write_count:
            done = 0
            scale = checked / plan.write_count if plan.write_count else 0

            def step(count: int) -> None:
                nonlocal done
                done += count
                report_progress("saving", total + int(done * scale))

            _write_plan(plan, user=user, step=step)
    report_progress("done", 2 * total)
    return ImportResult(errors=[], report={**plan.report, "dry_run": dry_run}, dry_run=dry_run)


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
) -> OrganisationImport:
    """Store an upload before it runs. Refuses the same files while they are running.

    A double submit of the upload form arrives as two requests at once; the lock
    makes the second wait for the first and then find it. (A separate lock
    from the import's own, so an upload does not wait for a running import.)
    An import left waiting or running for hours (a stopped worker) no longer
    blocks the same files.
    """
    _lock_imports(REGISTER_LOCK_ID)
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


def run_import(*, import_id: int) -> OrganisationImport:
    """Run a stored import to its end and record the outcome on its row.

    Not one transaction by design: the status and progress writes around the
    import must be visible while it runs. The import itself
    (import_organisation) is one transaction. Running a finished import again
    does nothing, so a repeated task or a reloaded page cannot import twice.
    """
    claimed = OrganisationImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, stage=ImportStage.READING, started_at=timezone.now()
    )
    record = OrganisationImport.objects.get(pk=import_id)
    if not claimed:
        return record
    writer = _ProgressWriter(record)
    try:
        tables, errors = read_tables(unpack_files(bytes(record.content)))
        if errors:
            result = ImportResult(errors=errors, report={}, dry_run=record.dry_run)
        else:
            result = import_organisation(
                tables=tables, progress=writer, dry_run=record.dry_run, user=record.uploaded_by
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
            report={},
            dry_run=record.dry_run,
        )
    finally:
        writer.close()
    record.status = ImportStatus.SUCCEEDED if result.ok else ImportStatus.FAILED
    record.stage = ImportStage.DONE
    record.errors = [e.as_dict() for e in result.errors]
    record.report = result.report
    record.processed_rows = record.total_rows
    record.finished_at = timezone.now()
    record.save(
        update_fields=[
            "status",
            "stage",
            "errors",
            "report",
            "processed_rows",
            "total_rows",
            "finished_at",
        ]
    )
    return record
