"""manage.py demo_municipality: the demo municipality, its logins and the modules' demo data."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tillid.organisation import demo, services
from tillid.organisation.models import Person, Role, Unit, UnitKind

DEMO_PASSWORD = "tillid-demo"
DEMO_URL = "http://127.0.0.1:8000/"
BATCH_SIZE = 2000


def demo_builders() -> list[tuple[AppConfig, str]]:
    """(app config, dotted path) of every installed app's demo builder, in INSTALLED_APPS order."""
    builders = []
    for config in apps.get_app_configs():
        path = getattr(config, "demo_builder", None)
        if path:
            builders.append((config, path))
    return builders


def _first_free_id(model) -> int:
    """An id after every one ever used, in the table and in its history."""
    return 1 + max(
        model.objects.aggregate(highest=Max("id"))["highest"] or 0,
        model.history.aggregate(highest=Max("id"))["highest"] or 0,
    )


def _insert(model, objs: list, *, first_id: int, now) -> None:
    """bulk_create with the ids given, then the history rows, then the id sequence.

    The history rows are the ones simple_history's bulk_create_with_history
    writes ("+", the same moment for all, no user), copied from the new rows
    inside the database in one statement: at 45,000 people that is a fraction
    of a second instead of as long again as the insert itself.
    """
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    history = model.history.model
    ops = connection.ops
    qn = ops.quote_name
    values = {"history_date": ops.adapt_datetimefield_value(now), "history_type": "+"}
    nulls = {"history_change_reason", "history_user_id"}
    columns, selected, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(qn(field.column))
        if field.attname in values:
            selected.append("%s")
            params.append(values[field.attname])
        elif field.attname in nulls:
            selected.append("NULL")
        else:
            selected.append(qn(model._meta.get_field(field.name).column))
    params.append(first_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(selected)} FROM {qn(model._meta.db_table)} "
            f"WHERE {qn(model._meta.pk.column)} >= %s",
            params,
        )
        for sql in ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def write_organisation(
    organisation: demo.DemoOrganisation, log: Callable[[str], None] = lambda line: None
) -> None:
    """Bulk-write the generated units and people, with history, into an empty organisation.

    Ids are chosen here, so each unit's path is known before it is written (no
    update afterwards) and the history can be copied by id range.
    """
    now = timezone.now()  # one moment of creation in the history for all
    log(
        _("Building %(count)s units…")
        % {"count": number_format(len(organisation.units), force_grouping=True)}
    )
    first_unit = _first_free_id(Unit)
    pks: dict[str, int] = {}
    paths: dict[str, tuple[str, int]] = {}
    units = []
    for offset, unit in enumerate(organisation.units):  # parents come first
        pk = first_unit + offset
        parent_path, parent_depth = paths[unit.parent] if unit.parent else ("/", -1)
        pks[unit.external_id] = pk
        paths[unit.external_id] = (f"{parent_path}{pk}/", parent_depth + 1)
        units.append(
            Unit(
                pk=pk,
                external_id=unit.external_id,
                name=unit.name,
                kind=unit.kind,
                parent_id=pks[unit.parent] if unit.parent else None,
                path=paths[unit.external_id][0],
                depth=paths[unit.external_id][1],
            )
        )
    _insert(Unit, units, first_id=first_unit, now=now)
    log(
        _("Creating %(count)s employees…")
        % {"count": number_format(len(organisation.people), force_grouping=True)}
    )
    first_person = _first_free_id(Person)
    people = [
        Person(
            pk=first_person + offset,
            external_id=person.external_id,
            name=person.name,
            email=person.email,
            unit_id=pks[person.unit],
            is_leader=person.is_leader,
        )
        for offset, person in enumerate(organisation.people)
    ]
    _insert(Person, people, first_id=first_person, now=now)
    # Nothing to change if the paths above are right; this is the one authority.
    services.rebuild_paths()


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit: str


class Logins:
    """Creates (or repairs) the demo logins; one password hash shared by all."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self._hash = ""
        self._checked: dict[str, bool] = {}

    def _password_hash(self) -> str:
        # Hashing is deliberately slow (about a second here); do it once.
        if not self._hash:
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash

    def _is_demo_password(self, encoded: str) -> bool:
        # The logins made here share one hash, so this costs one check, not seven.
        if encoded not in self._checked:
            self._checked[encoded] = check_password(DEMO_PASSWORD, encoded)
        return self._checked[encoded]

    def user(self, username: str, *, person: Person | None = None, superuser: bool = False):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            if person is not None and person.user_id is None:
                user = services.create_user_for_person(person=person, username=username)
            else:
                user = User.objects.create_user(username=username)
            user.password = self._password_hash()
        else:
            if not self._is_demo_password(user.password):
                user.password = self._password_hash()
            if person is not None and person.user_id is None and not hasattr(user, "person"):
                person.user = user
                person.save(update_fields=["user", "updated_at"])
        user.is_active = True
        if superuser:
            user.is_staff = user.is_superuser = True
        user.save()
        return user

    def ensure(self) -> list[DemoLogin]:
        everyone = _("Whole organisation")
        logins = []
        admin = self.user("admin", superuser=True)
        services.grant_role(user=admin, role=Role.ADMINISTRATOR, unit=None)
        logins.append(DemoLogin("admin", Role.ADMINISTRATOR.label, everyone))
        user = self.user("konsulent")
        services.grant_role(user=user, role=Role.CONSULTANT, unit=None)
        logins.append(DemoLogin("konsulent", Role.CONSULTANT.label, everyone))

        care_home = find_care_home()
        leader = employee = None
        if care_home is not None:
            leader = (
                Person.objects.filter(unit=care_home, is_leader=True, is_active=True)
                .order_by("external_id")
                .first()
            )
            in_teams = Person.objects.filter(
                unit__parent=care_home, unit__kind=UnitKind.TEAM, is_leader=False, is_active=True
            ).select_related("unit")
            employee = (
                in_teams.exclude(email="").order_by("unit__external_id", "external_id").first()
                or in_teams.order_by("unit__external_id", "external_id").first()
            )
        if leader is None or employee is None:
            self.log(
                _(
                    "Found no plejecenter with a leader and a team in Social og Sundhed, "
                    "so there are no leder and medarbejder logins."
                )
            )
        else:
            self.user("leder", person=leader)
            logins.append(DemoLogin("leder", Role.LEADER.label, care_home.name))
            self.user("medarbejder", person=employee)
            logins.append(
                DemoLogin("medarbejder", Role.EMPLOYEE.label, f"{care_home.name} / {employee.unit}")
            )

        user = self.user("politiker")
        services.grant_role(user=user, role=Role.POLITICIAN, unit=None)
        logins.append(DemoLogin("politiker", Role.POLITICIAN.label, everyone))

        social = find_social()
        if social is None:
            self.log(_("Found no Social og Sundhed administration; tr is MED/TR for everything."))
        user = self.user("tr")
        services.grant_role(user=user, role=Role.MED_TR, unit=social)
        logins.append(DemoLogin("tr", Role.MED_TR.label, social.name if social else everyone))

        user = self.user("hr")
        services.grant_role(user=user, role=Role.HR, unit=None)
        logins.append(DemoLogin("hr", Role.HR.label, everyone))
        return logins


def find_social() -> Unit | None:
    return (
        Unit.objects.filter(external_id=demo.SOCIAL_ID, kind=UnitKind.ADMINISTRATION).first()
        or Unit.objects.filter(kind=UnitKind.ADMINISTRATION, name__iexact="Social og Sundhed")
        .order_by("external_id")
        .first()
    )


def find_care_home() -> Unit | None:
    """The demo plejecenter; in an organisation built otherwise, the first with a team."""
    unit = Unit.objects.filter(external_id=demo.CARE_HOME_ID, kind=UnitKind.INSTITUTION).first()
    if unit is not None:
        return unit
    candidates = Unit.objects.filter(
        kind=UnitKind.INSTITUTION,
        is_active=True,
        name__istartswith="Plejecenter",
        children__kind=UnitKind.TEAM,
    )
    social = find_social()
    if social is not None:
        candidates = candidates.filter(path__startswith=social.path)
    return candidates.order_by("external_id").first()


def format_table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row):
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    return [
        line(rows[0]).rstrip(),
        "  ".join("-" * width for width in widths),
        *(line(row).rstrip() for row in rows[1:]),
    ]


class Command(BaseCommand):
    help = (
        "Build a deterministic demo municipality (units, people, demo logins) and run "
        "the demo builders of the other modules."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--employees",
            type=int,
            default=demo.DEFAULT_EMPLOYEES,
            help=f"Number of employees, {demo.MIN_EMPLOYEES}-{demo.MAX_EMPLOYEES} "
            f"(default {demo.DEFAULT_EMPLOYEES}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"Seed for the generator (default {demo.DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="If an organisation exists, keep it; only make sure the demo logins exist.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete everything in the database (flush) before building.",
        )

    def log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, employees: int, seed: int, keep_existing: bool, reset: bool, **options):
        if keep_existing and reset:
            raise CommandError(_("Use either --reset or --keep-existing, not both."))
        if not demo.MIN_EMPLOYEES <= employees <= demo.MAX_EMPLOYEES:
            raise CommandError(
                _(
                    "The number of employees must be between %(min)s and %(max)s; "
                    "you asked for %(count)s."
                )
                % {
                    "min": number_format(demo.MIN_EMPLOYEES, force_grouping=True),
                    "max": number_format(demo.MAX_EMPLOYEES, force_grouping=True),
                    "count": number_format(employees, force_grouping=True),
                }
            )
        if reset:
            self.log(_("Deleting everything in the database…"))
            call_command("flush", interactive=False, verbosity=0)
        exists = Unit.objects.exists() or Person.objects.exists()
        if exists and not keep_existing:
            raise CommandError(
                _(
                    "The database already holds an organisation. Use --reset to delete "
                    "everything and build the demo municipality again, or --keep-existing "
                    "to keep it and only make sure the demo logins exist."
                )
            )

        started = time.perf_counter()
        with transaction.atomic():
            if exists:
                self.log(_("The organisation already exists and is kept as it is."))
            else:
                self.build(employees=employees, seed=seed)
            self.log(_("Creating the demo logins…"))
            logins = Logins(self.log).ensure()
            builders = demo_builders()
            if exists:
                if builders:
                    self.log(_("Nothing was built, so the other modules' demo data is skipped."))
            else:
                for config, path in builders:
                    self.log(
                        _("Building demo data for %(module)s…") % {"module": config.verbose_name}
                    )
                    import_string(path)(seed=seed, log=lambda line: self.log(f"  {line}"))
        if not exists:
            # Tables filled in bulk have no planner statistics until autovacuum
            # comes by; without them the first pages plan as if the tables were empty.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = number_format(round(time.perf_counter() - started, 1), 1)
        self.log(_("Done in %(seconds)s seconds.") % {"seconds": seconds})
        self.print_logins(logins)

    def build(self, *, employees: int, seed: int) -> None:
        organisation = demo.generate(
            employees=employees, seed=seed, municipality_name=settings.TILLID_MUNICIPALITY_NAME
        )
        write_organisation(organisation, self.log)

    def print_logins(self, logins: list[DemoLogin]) -> None:
        rows = [[_("Username"), _("Password"), _("Role"), _("Unit")]]
        rows += [[login.username, DEMO_PASSWORD, str(login.role), login.unit] for login in logins]
        self.log("")
        self.log(_("Demo logins"))
        for line in format_table(rows):
            self.log(line)
        self.log("")
        self.log(_("Log in at %(url)s") % {"url": DEMO_URL})
