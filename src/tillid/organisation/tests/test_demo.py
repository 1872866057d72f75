"""The demo municipality: the generator (pure) and `manage.py demo_municipality`."""

import functools
import random
import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from tillid.organisation import demo, services
from tillid.organisation.management.commands import demo_municipality as command
from tillid.organisation.models import UNIT_KIND_LEVELS, Person, Role, RoleGrant, Unit, UnitKind
from tillid.organisation.permissions import Perm, has_perm

NAME = "Egeskov Kommune"
LOGINS = ("admin", "konsulent", "leder", "medarbejder", "politiker", "tr", "hr")
FIVE = ("Social og Sundhed", "Børn og Unge", "Beskæftigelse", "Teknik og Miljø", "Kultur og Fritid")
REAL_DEMO_BUILDERS = command.demo_builders


def generate(employees: int = 300, seed: int = 7) -> demo.DemoOrganisation:
    return _generate(employees, seed)


@functools.cache  # the result is immutable; the largest size is used by several tests
def _generate(employees: int, seed: int) -> demo.DemoOrganisation:
    return demo.generate(employees=employees, seed=seed, municipality_name=NAME)


# --- The generator -----------------------------------------------------------


def test_same_seed_gives_the_same_organisation():
    first = demo.generate(employees=800, seed=1, municipality_name=NAME)
    second = demo.generate(employees=800, seed=1, municipality_name=NAME)
    assert first is not second
    assert first == second


def test_another_seed_gives_another_organisation():
    first, second = generate(800, 1), generate(800, 2)
    assert [u.name for u in first.units] != [u.name for u in second.units]
    assert [p.name for p in first.people] != [p.name for p in second.people]


def test_generator_neither_uses_nor_disturbs_the_global_random():
    random.seed(1)
    expected = random.random()
    random.seed(1)
    generated = demo.generate(employees=300, seed=5, municipality_name=NAME)
    assert random.random() == expected
    random.seed(12345)
    assert demo.generate(employees=300, seed=5, municipality_name=NAME) == generated


@pytest.mark.parametrize("employees", [300, 301, 777, 1000, 2999, 45_000])
def test_people_count_is_exact(employees):
    assert len(generate(employees).people) == employees


@pytest.mark.parametrize("employees", [0, 299, 45_001])
def test_generator_rejects_sizes_out_of_bounds(employees):
    with pytest.raises(ValueError, match="between 300 and 45000"):
        generate(employees)


@pytest.mark.parametrize("employees", [300, 3000])
def test_all_kinds_and_the_five_administrations(employees):
    organisation = generate(employees)
    units = organisation.units
    assert {u.kind for u in units} == set(UnitKind.values)
    root = units[0]
    assert (root.name, root.kind, root.parent) == (NAME, UnitKind.MUNICIPALITY, None)
    assert sum(1 for u in units if u.kind == UnitKind.MUNICIPALITY) == 1
    administrations = [u for u in units if u.kind == UnitKind.ADMINISTRATION]
    assert tuple(u.name for u in administrations) == FIVE
    assert all(u.parent == root.external_id for u in administrations)
    areas = {u.name for u in units if u.kind == UnitKind.AREA}
    assert {"Ældreområdet", "Skoleområdet", "Dagtilbud", "Jobcenter", "Vej og Park"} <= areas


def test_institutions_and_teams_have_realistic_danish_names():
    units = generate(3000).units
    institutions = [u.name for u in units if u.kind == UnitKind.INSTITUTION]
    for pattern in (
        r"^Plejecenter \w+",
        r"^Hjemmeplejen Distrikt \w+",
        r"^\w+skolen$",
        r"^(Børnehuset|Børnehaven|Vuggestuen) \w+",
        r"^Jobcenter",
        r"^Genbrugspladsen \w+",
    ):
        assert any(re.search(pattern, name) for name in institutions), pattern
    assert len(set(institutions)) == len(institutions)
    teams = {u.name for u in units if u.kind == UnitKind.TEAM}
    assert {"Team Nord", "Team Aften", "Team Nat", "Indskoling", "Grøn stue"} <= teams


def test_institution_names_stay_unique_at_the_largest_size():
    names = [u.name for u in generate(45_000).units if u.kind == UnitKind.INSTITUTION]
    assert len(set(names)) == len(names)
    assert sum(1 for name in names if name.startswith("Plejecenter ")) > 20


def test_care_and_schools_carry_most_staff():
    organisation = generate(3000)
    by_administration = Counter(p.unit.split("-")[0] for p in organisation.people)
    assert by_administration["SOS"] + by_administration["BOU"] > 0.7 * 3000
    assert by_administration.most_common(2)[1][0] in {"SOS", "BOU"}
    for code in ("BES", "TEM", "KUF"):
        assert 0.03 * 3000 < by_administration[code] < 0.12 * 3000


@pytest.mark.parametrize(("employees", "seed"), [(300, 1), (300, 2), (1000, 3), (3000, 2026)])
def test_every_unit_has_people_and_exactly_one_leader(employees, seed):
    organisation = generate(employees, seed)
    leaders = Counter(p.unit for p in organisation.people if p.is_leader)
    headcount = Counter(p.unit for p in organisation.people)
    for unit in organisation.units:
        assert leaders[unit.external_id] == 1, unit
        assert headcount[unit.external_id] >= 1, unit
        if unit.kind == UnitKind.TEAM:
            assert headcount[unit.external_id] >= 2, unit  # a leader and an employee


def test_ids_and_emails_are_unique_and_well_formed():
    organisation = generate(3000)
    unit_ids = [u.external_id for u in organisation.units]
    person_ids = [p.external_id for p in organisation.people]
    assert len(set(unit_ids)) == len(unit_ids)
    assert len(set(person_ids)) == len(person_ids)
    emails = [p.email for p in organisation.people if p.email]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@egeskov\.dk", e) for e in emails)
    assert {p.unit for p in organisation.people} <= set(unit_ids)


def test_about_one_in_ten_care_workers_has_no_email():
    people = generate(3000).people
    care = [p for p in people if p.unit.startswith(("SOS-AELD-PC", "SOS-AELD-HP"))]
    care_staff = [p for p in care if not p.is_leader]
    share = sum(1 for p in care_staff if not p.email) / len(care_staff)
    assert 0.05 < share < 0.15
    assert all(p.email for p in people if p.is_leader)
    assert all(p.email for p in people if p.unit.startswith(("BOU", "BES", "TEM", "KUF")))


@pytest.mark.parametrize("employees", [300, 3000])
def test_tree_is_well_formed(employees):
    units = generate(employees).units
    seen: dict[str, str] = {}
    for unit in units:
        if unit.parent is not None:
            assert unit.parent in seen, "parents come before their children"
            assert UNIT_KIND_LEVELS[unit.kind] == UNIT_KIND_LEVELS[seen[unit.parent]] + 1
        seen[unit.external_id] = unit.kind
    number = {u.external_id: i for i, u in enumerate(units, start=1)}
    paths = services.compute_paths(
        {number[u.external_id]: number[u.parent] if u.parent else None for u in units}
    )
    assert {depth for _path, depth in paths.values()} == {0, 1, 2, 3, 4}


@pytest.mark.parametrize(("employees", "seed"), [(300, 1), (300, 99), (301, 4), (45_000, 7)])
def test_demo_care_home_always_has_a_leader_and_teams(employees, seed):
    organisation = generate(employees, seed)
    units = {u.external_id: u for u in organisation.units}
    care_home = units[organisation.care_home]
    assert care_home.kind == UnitKind.INSTITUTION
    assert care_home.name.startswith("Plejecenter ")
    assert units[care_home.parent].name == "Ældreområdet"
    assert units[units[care_home.parent].parent].name == "Social og Sundhed"
    teams = [u.external_id for u in organisation.units if u.parent == care_home.external_id]
    assert len(teams) >= 2
    people = {p.external_id: p for p in organisation.people}
    leader, employee = people[organisation.leader], people[organisation.employee]
    assert (leader.unit, leader.is_leader) == (care_home.external_id, True)
    assert employee.unit in teams
    assert not employee.is_leader
    assert employee.email


def test_ascii_folding_and_domain():
    assert demo.ascii_fold("Søren Æbelø-Åberg") == "soerenaebeloeaaberg"
    assert demo.ascii_fold("René") == "rene"
    assert demo.email_domain("Egeskov Kommune") == "egeskov.dk"
    assert demo.email_domain("Ærø Kommune") == "aeroe.dk"


# --- The command -------------------------------------------------------------


@pytest.fixture(autouse=True)
def _demo_settings(settings, monkeypatch):
    settings.TILLID_MUNICIPALITY_NAME = NAME
    # Other modules' demo builders are theirs to test; the hook is tested below.
    monkeypatch.setattr(command, "demo_builders", list)


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("demo_municipality", *args, stdout=out)
    return out.getvalue()


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.mark.django_db
def test_command_builds_the_municipality_and_prints_the_logins():
    out = run("--employees", "300", "--seed", "7")
    organisation = generate(300, 7)
    assert Person.objects.count() == 300
    assert Unit.objects.count() == len(organisation.units)
    # Everything is created with its history, as simple_history would record it.
    assert Unit.history.filter(history_type="+").count() == len(organisation.units)
    assert Person.history.filter(history_type="+").count() == 300
    person = Person.objects.order_by("?").first()
    first = person.history.earliest()
    assert (first.history_type, first.history_user, first.history_change_reason) == (
        "+",
        None,
        None,
    )
    assert (first.name, first.email, first.unit_id, first.is_leader) == (
        person.name,
        person.email,
        person.unit_id,
        person.is_leader,
    )
    assert first.instance.created_at == person.created_at
    assert Unit.objects.get(pk=person.unit_id).history.earliest().name == person.unit.name
    assert Unit.objects.get(parent__isnull=True).name == NAME
    assert services.rebuild_paths() == 0  # the paths were right from the start
    for unit in Unit.objects.select_related("parent"):
        assert unit.depth == UNIT_KIND_LEVELS[unit.kind]
        if unit.parent is not None:
            assert unit.path == f"{unit.parent.path}{unit.pk}/"
    assert "Creating 300 employees" in out
    table = out[out.index("Demo logins") :]
    for username in LOGINS:
        assert re.search(rf"^{username}\s+tillid-demo\s+\S", table, re.MULTILINE), username
        assert authenticate(username=username, password="tillid-demo") is not None, username
    assert "http://127.0.0.1:8000/" in out
    assert user("leder").person.external_id == organisation.leader
    assert user("medarbejder").person.external_id == organisation.employee
    assert user("admin").is_superuser
    assert user("admin").is_staff
    # New rows after the demo get new ids (the id sequences were moved on).
    extra = services.create_unit(external_id="NEW", name="Ny enhed", kind=UnitKind.TEAM)
    assert extra.pk > Unit.objects.exclude(pk=extra.pk).order_by("-pk").first().pk
    newcomer = Person.objects.create(external_id="NEW", name="Ny Medarbejder", unit=extra)
    assert newcomer.pk > Person.objects.exclude(pk=newcomer.pk).order_by("-pk").first().pk


@pytest.mark.django_db
def test_demo_logins_have_their_roles():
    run("--employees", "300")
    leder, medarbejder = user("leder"), user("medarbejder")
    care_home = leder.person.unit
    team = medarbejder.person.unit
    other_team = Unit.objects.filter(parent=care_home).exclude(pk=team.pk).first()
    school = Unit.objects.filter(kind=UnitKind.INSTITUTION, name__endswith="skolen").first()
    assert care_home.name.startswith("Plejecenter")
    assert team.parent == care_home

    assert has_perm(leder, Perm.VIEW_PEOPLE, care_home)
    assert has_perm(leder, Perm.VIEW_PEOPLE, other_team)
    assert not has_perm(leder, Perm.VIEW_PEOPLE, school)

    assert has_perm(medarbejder, Perm.VIEW_PEOPLE, team)
    assert not has_perm(medarbejder, Perm.VIEW_PEOPLE, other_team)
    assert not has_perm(medarbejder, Perm.VIEW_PEOPLE, school)
    assert not has_perm(medarbejder, Perm.MANAGE_DELEGATION, team)

    assert has_perm(user("admin"), Perm.MANAGE_ROLES)
    assert has_perm(user("konsulent"), Perm.IMPORT_ORGANISATION)
    assert has_perm(user("konsulent"), Perm.VIEW_PEOPLE, school)
    assert has_perm(user("politiker"), Perm.VIEW_SURVEY_RESULTS, school)
    assert not has_perm(user("politiker"), Perm.VIEW_PEOPLE, school)
    assert has_perm(user("tr"), Perm.VIEW_SURVEY_RESULTS, care_home)
    assert not has_perm(user("tr"), Perm.VIEW_SURVEY_RESULTS, school)
    assert not has_perm(user("tr"), Perm.VIEW_PEOPLE, care_home)
    assert has_perm(user("hr"), Perm.VIEW_DELEGATION_RECORDS, school)
    assert RoleGrant.objects.get(user=user("tr")).unit.name == "Social og Sundhed"


@pytest.mark.django_db
@pytest.mark.parametrize("employees", ["299", "45001"])
def test_command_rejects_sizes_out_of_bounds(employees):
    with pytest.raises(CommandError, match=r"between 300 and 45,000"):
        run("--employees", employees)
    assert not Unit.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_command_refuses_to_build_over_an_existing_organisation(org):
    with pytest.raises(CommandError, match=r"--reset.*--keep-existing"):
        run("--employees", "300")
    assert Person.objects.count() == len(org.people)
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_reset_and_keep_existing_together_is_an_error():
    with pytest.raises(CommandError, match="not both"):
        run("--reset", "--keep-existing")


@pytest.mark.django_db
def test_keep_existing_keeps_the_data_and_still_prints_the_logins():
    run("--employees", "300", "--seed", "7")
    people = list(Person.objects.order_by("pk").values_list("pk", "external_id", "user_id"))
    grants = RoleGrant.objects.count()
    user("admin").set_password("changed")
    user("admin").save()

    out = run("--employees", "1000", "--seed", "8", "--keep-existing")

    assert list(Person.objects.order_by("pk").values_list("pk", "external_id", "user_id")) == people
    assert RoleGrant.objects.count() == grants
    assert get_user_model().objects.count() == len(LOGINS)
    for username in LOGINS:
        assert re.search(rf"^{username}\s+tillid-demo", out, re.MULTILINE), username
    assert authenticate(username="admin", password="tillid-demo") is not None


@pytest.mark.django_db
def test_keep_existing_finds_the_logins_in_an_organisation_built_otherwise(org):
    out = run("--keep-existing")
    assert Person.objects.count() == len(org.people)
    assert user("leder").person == org.people["P1"]  # leads Plejecenter Egely
    assert user("medarbejder").person == org.people["P2"]  # Team Nord
    assert RoleGrant.objects.get(user=user("tr"), role=Role.MED_TR).unit == org.social
    assert "Plejecenter Egely" in out


@pytest.mark.django_db
def test_reset_deletes_everything_and_builds_again():
    run("--employees", "300")
    get_user_model().objects.create_user(username="someone")
    if connection.vendor == "postgresql":
        # Flush is a TRUNCATE, refused while the test's own transaction still has
        # deferred foreign-key checks pending; run from the shell it has none.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    run("--employees", "400", "--reset")
    assert Person.objects.count() == 400
    assert not get_user_model().objects.filter(username="someone").exists()
    assert get_user_model().objects.filter(username__in=LOGINS).count() == len(LOGINS)


# --- The other modules' demo builders -----------------------------------------

calls: list[tuple[str, int, bool]] = []


def first_builder(*, seed: int, log) -> None:
    calls.append(("first", seed, get_user_model().objects.filter(username="leder").exists()))
    log(f"first builder ran with seed {seed}")


def second_builder(*, seed: int, log) -> None:
    calls.append(("second", seed, Person.objects.count() == 300))


def failing_builder(*, seed: int, log) -> None:
    raise RuntimeError("demo builder broke")


@pytest.fixture
def fake_builders(monkeypatch):
    """Governance and compass name a demo builder; every other app none."""
    calls.clear()
    monkeypatch.setattr(command, "demo_builders", REAL_DEMO_BUILDERS)
    for config in apps.get_app_configs():
        if getattr(config, "demo_builder", None):
            monkeypatch.setattr(config, "demo_builder", None)

    def name(app_label: str, function: str) -> None:
        monkeypatch.setattr(
            apps.get_app_config(app_label),
            "demo_builder",
            f"{__name__}.{function}",
            raising=False,
        )

    return name


@pytest.mark.django_db
def test_demo_builders_run_in_installed_apps_order_with_the_seed(fake_builders):
    fake_builders("compass", "second_builder")
    fake_builders("governance", "first_builder")
    out = run("--employees", "300", "--seed", "11")
    assert calls == [("first", 11, True), ("second", 11, True)]
    assert "  first builder ran with seed 11" in out
    assert out.index("Governance") < out.index("first builder ran")


@pytest.mark.django_db
def test_demo_builders_are_skipped_when_nothing_was_built(fake_builders):
    fake_builders("governance", "first_builder")
    run("--employees", "300")
    calls.clear()
    run("--keep-existing")
    assert calls == []


@pytest.mark.django_db
def test_a_failing_demo_builder_leaves_nothing_half_built(fake_builders):
    fake_builders("governance", "failing_builder")
    with pytest.raises(RuntimeError, match="broke"):
        run("--employees", "300")
    assert not Unit.objects.exists()
    assert not get_user_model().objects.exists()
