"""The permission matrix: who reaches a dosing or breach record, by page, API or export."""

import pytest
from django.urls import reverse

from tillid.delegation import services
from tillid.delegation.access import Subject
from tillid.delegation.models import Dosing, ReadKind, RecordRead
from tillid.delegation.tests.helpers import breach, dose
from tillid.organisation.models import Person, Role
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org, roles):
    person = org.people["P2"]  # Team Nord, Plejecenter Egely
    d = dose(person, roles.leader, task="Selv planlægge vagter")
    b = breach(d, roles.leader, what_happened="Vagtplanen kom for sent ud")
    return person, d, b


@pytest.fixture
def actors(org, roles, make_user, person_user):
    superuser = make_user(None, None, username="root", is_superuser=True, is_staff=True)
    return {
        "leader": roles.leader,
        "hr": make_user(Role.HR, None, username="hr"),
        "self": roles.employee,
        "colleague": person_user(org.people["P3"]),
        "sibling_leader": person_user(org.people["P5"]),  # leads Team Syd, beside Team Nord
        "other_leader": person_user(org.people["P6"]),  # leads Egeskolen
        "politician": roles.politician,
        "administrator": roles.administrator,
        "superuser": superuser,
        "consultant": roles.consultant,
        "med_tr": roles.med_tr,
    }


READERS = {"leader", "hr", "self"}
EXPORTERS = {"hr", "self"}
DENIED = [
    "colleague",
    "sibling_leader",
    "other_leader",
    "politician",
    "administrator",
    "superuser",
    "consultant",
    "med_tr",
]


def _urls(person, d, b):
    return {
        "person": reverse("delegation:person", args=[person.pk]),
        "dosing": reverse("delegation:dosing", args=[d.pk]),
        "breach": reverse("delegation:breach", args=[b.pk]),
        "export_json": reverse("delegation:export", args=[person.pk, "json"]),
        "export_xlsx": reverse("delegation:export", args=[person.pk, "xlsx"]),
    }


@pytest.mark.parametrize("who", DENIED)
def test_no_one_else_reaches_a_record(client, records, actors, who):
    person, d, b = records
    login(client, actors[who])
    for name, url in _urls(person, d, b).items():
        response = client.get(url)
        assert response.status_code == 403, (who, name)
        assert b"Vagtplanen kom for sent ud" not in response.content
        assert b"Selv planl" not in response.content
    new = reverse("delegation:dosing_new") + f"?person={person.pk}"
    assert client.get(new).status_code == 403
    assert client.get(reverse("delegation:breach_new", args=[d.pk])).status_code == 403
    # Nothing is logged as read when nothing was shown.
    assert not RecordRead.objects.exists()


@pytest.mark.parametrize("who", sorted(READERS))
def test_leaders_above_hr_and_the_person_read(client, records, actors, who):
    person, d, b = records
    login(client, actors[who])
    urls = _urls(person, d, b)
    for name in ("person", "dosing", "breach"):
        response = client.get(urls[name])
        assert response.status_code == 200, (who, name)
    assert b"Vagtplanen kom for sent ud" in client.get(urls["breach"]).content
    for name in ("export_json", "export_xlsx"):
        expected = 200 if who in EXPORTERS else 403
        assert client.get(urls[name]).status_code == expected, (who, name)


def test_only_the_leader_writes_and_never_about_oneself(client, org, records, actors):
    person, d, _b = records
    new = reverse("delegation:dosing_new") + f"?person={person.pk}"
    login(client, actors["leader"])
    assert client.get(new).status_code == 200
    for who in ("hr", "self"):
        login(client, actors[who])
        assert client.get(new).status_code == 403
        assert client.get(reverse("delegation:breach_new", args=[d.pk])).status_code == 403
    # A leader's own records are not theirs to write.
    login(client, actors["leader"])
    own = reverse("delegation:dosing_new") + f"?person={org.people['P1'].pk}"
    assert client.get(own).status_code == 403


def test_every_read_is_logged_and_shown_to_the_person(client, records, actors):
    person, d, b = records
    login(client, actors["leader"])
    client.get(reverse("delegation:dosing", args=[d.pk]))
    client.get(reverse("delegation:breach", args=[b.pk]))
    reads = list(RecordRead.objects.values_list("reader_name", "kind", "record_id"))
    assert ("Mette Hansen", ReadKind.DOSING, d.pk) in reads
    assert ("Mette Hansen", ReadKind.BREACH, b.pk) in reads
    login(client, actors["self"])
    page = client.get(reverse("delegation:person", args=[person.pk]))
    assert "Mette Hansen" in [r.reader_name for r in page.context["read_log"]]
    # The leader sees the records but not the read log; HR sees both.
    login(client, actors["leader"])
    assert client.get(reverse("delegation:person", args=[person.pk])).context["read_log"] is None
    login(client, actors["hr"])
    client.get(reverse("delegation:export", args=[person.pk, "json"]))
    assert RecordRead.objects.filter(kind=ReadKind.EXPORT, reader_name="hr").exists()
    log = client.get(reverse("delegation:read_log"))
    assert log.status_code == 200
    assert log.context["page_obj"].paginator.count == RecordRead.objects.count()
    login(client, actors["leader"])
    assert client.get(reverse("delegation:read_log")).status_code == 403


def test_people_list_is_limited_to_the_leaders_units(client, org, records, actors):
    login(client, actors["sibling_leader"])
    names = [row["person"].name for row in client.get(reverse("delegation:home")).context["rows"]]
    assert names == ["Anders Pedersen"]  # Team Syd only, not Lars in Team Nord
    login(client, actors["leader"])
    names = [row["person"].name for row in client.get(reverse("delegation:home")).context["rows"]]
    assert "Lars Nielsen" in names
    assert "Mette Hansen" not in names


def test_api_has_no_personal_records_and_aggregates_only(client, org, records, actors):
    login(client, actors["politician"])
    response = client.get("/api/delegation/aggregate", {"unit_id": org.care_home.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lars" not in body
    assert "Selv planl" not in body
    # One person dosed: below the group size, so suppressed.
    assert response.json()["groups"][0]["suppressed"] is True
    login(client, actors["colleague"])
    response = client.get("/api/delegation/aggregate", {"unit_id": org.care_home.pk})
    assert response.status_code == 403
    paths = [p for p in client.get("/api/openapi.json").json()["paths"] if "delegation" in p]
    assert sorted(paths) == ["/api/delegation/aggregate", "/api/delegation/ladder"]


def test_trust_test_planning_page_offers_only_the_leaders_people(client, org, records, actors):
    login(client, actors["sibling_leader"])
    response = client.get(reverse("trials:trust_test_new"))
    people = list(response.context["form"].fields["person"].queryset)
    assert org.people["P2"] not in people
    assert Dosing.objects.count() == 1


# Team records: the team's own members read the team's dosings (its mandate),
# never its breaches, and never a colleague's personal records.


def _team_mandate(team, leader, task: str, reason: str):
    """A team dosed at step 4 (ratings 3, low risk) by `leader`."""
    return services.record_dosing(
        subject=Subject(team=team),
        task=task,
        competence=3,
        intention=3,
        resources=3,
        consequence=1,
        reversibility=1,
        chosen_step=4,
        reason=reason,
        decided_by=leader,
    )


@pytest.fixture
def team_records(org, roles):
    team = org.team_north
    d = _team_mandate(team, roles.leader, "Selv fordele weekendvagterne", "Teamet har vist det kan")
    b = breach(d, roles.leader, what_happened="Weekendplanen kom ikke ud i tide")
    personal = dose(org.people["P2"], roles.leader, task="Lars alene med medicinrummet")
    return team, d, b, personal


def _team_urls(team, d, b):
    return {
        "team": reverse("delegation:team", args=[team.pk]),
        "dosing": reverse("delegation:dosing", args=[d.pk]),
        "breach": reverse("delegation:breach", args=[b.pk]),
    }


TEAM_DENIED = [
    "sibling_member",
    "sibling_leader",
    "other_leader",
    "politician",
    "administrator",
    "superuser",
    "consultant",
    "med_tr",
]


@pytest.fixture
def team_actors(org, actors, person_user):
    return {**actors, "sibling_member": person_user(org.people["P4"])}  # Team Syd


def test_a_member_reads_the_teams_mandate_and_the_read_is_logged(
    client, org, team_records, team_actors
):
    team, d, b, personal = team_records
    member = team_actors["colleague"]  # Sofie Jensen, Team Nord
    login(client, member)
    page = client.get(reverse("delegation:mine"))
    assert page.status_code == 200
    assert page.context["team"] == team
    assert [x.pk for x in page.context["team_current"]] == [d.pk]
    assert [x.pk for x in page.context["team_history"]] == [d.pk]
    body = page.content.decode()
    assert "Selv fordele weekendvagterne" in body
    # Not the team's breach, not a colleague's personal record.
    assert "Weekendplanen kom ikke ud" not in body
    assert "medicinrummet" not in body
    logged = RecordRead.objects.filter(reader=member, subject_unit=team, kind=ReadKind.DOSING)
    assert list(logged.values_list("record_id", flat=True)) == [d.pk]
    assert logged.get().subject_person is None

    detail = client.get(reverse("delegation:dosing", args=[d.pk]))
    assert detail.status_code == 200
    assert detail.context["breaches"] is None
    assert not detail.context["can_manage"]
    assert reverse("delegation:breach", args=[b.pk]) not in detail.content.decode()
    assert logged.count() == 2
    # Read-only: no breach, no writing, not the full team page, not the colleague's records.
    for url in (
        reverse("delegation:breach", args=[b.pk]),
        reverse("delegation:team", args=[team.pk]),
        reverse("delegation:breach_new", args=[d.pk]),
        reverse("delegation:dosing_new") + f"?team={team.pk}",
        reverse("delegation:dosing", args=[personal.pk]),
        reverse("delegation:person", args=[org.people["P2"].pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert not RecordRead.objects.filter(reader=member, kind=ReadKind.BREACH).exists()
    assert not RecordRead.objects.filter(reader=member, subject_person__isnull=False).exists()

    # HR sees who read the team's mandate, in the read log and on the team's page.
    login(client, team_actors["hr"])
    log = client.get(reverse("delegation:read_log"), {"q": "Team Nord"})
    assert "Sofie Jensen" in [r.reader_name for r in log.context["page_obj"]]
    team_page = client.get(reverse("delegation:team", args=[team.pk]))
    assert "Sofie Jensen" in [r.reader_name for r in team_page.context["read_log"]]


@pytest.mark.parametrize("who", TEAM_DENIED)
def test_no_one_outside_the_team_reads_its_records(client, team_records, team_actors, who):
    team, d, b, _personal = team_records
    login(client, team_actors[who])
    for name, url in _team_urls(team, d, b).items():
        response = client.get(url)
        assert response.status_code in (403, 404), (who, name)
        assert b"Selv fordele" not in response.content
        assert b"Weekendplanen" not in response.content
    mine = client.get(reverse("delegation:mine"))
    if mine.status_code == 200:  # people with a unit of their own see only that unit's mandate
        assert mine.context["team"] != team
        assert b"Selv fordele" not in mine.content
    else:
        assert mine.status_code == 403
    # The API has no dosing records at all; its aggregates are not for employees.
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not [
        p for p in paths if "delegation" in p and "aggregate" not in p and "ladder" not in p
    ]
    if who == "sibling_member":
        response = client.get("/api/delegation/aggregate", {"unit_id": team.pk})
        assert response.status_code == 403
        assert "Selv fordele" not in response.content.decode()
    assert not RecordRead.objects.filter(subject_unit=team).exists()


def test_a_former_member_no_longer_reads_the_mandate(client, org, team_records, team_actors):
    team, d, _b, _personal = team_records
    member = team_actors["colleague"]
    login(client, member)
    assert client.get(reverse("delegation:dosing", args=[d.pk])).status_code == 200
    reads = RecordRead.objects.filter(reader=member, subject_unit=team).count()
    # Moved to Team Syd (as an organisation import would do).
    Person.objects.filter(pk=org.people["P3"].pk).update(unit=org.team_south)
    assert client.get(reverse("delegation:dosing", args=[d.pk])).status_code == 403
    mine = client.get(reverse("delegation:mine"))
    assert mine.context["team"] == org.team_south
    assert mine.context["team_current"] == []
    assert "Selv fordele" not in mine.content.decode()
    # ... nor once they have left (an inactive person).
    Person.objects.filter(pk=org.people["P3"].pk).update(unit=team, is_active=False)
    assert client.get(reverse("delegation:dosing", args=[d.pk])).status_code == 403
    assert client.get(reverse("delegation:mine")).status_code == 403
    assert RecordRead.objects.filter(reader=member, subject_unit=team).count() == reads


def test_team_members_read_only_their_own_teams_mandate(client, org, roles, team_actors):
    south = _team_mandate(
        org.team_south, roles.leader, "Aftale besøgstider med pårørende", "Et bevidst valg"
    )
    login(client, team_actors["sibling_member"])
    assert [x.pk for x in client.get(reverse("delegation:mine")).context["team_current"]] == [
        south.pk
    ]
    login(client, team_actors["colleague"])
    mine = client.get(reverse("delegation:mine"))
    assert mine.context["team_current"] == []
    assert "besøgstider" not in mine.content.decode()
    assert client.get(reverse("delegation:dosing", args=[south.pk])).status_code == 403
