"""The compass's follow-up loop and indicators: round → dialogue meeting → actions → check.

Figures are worked out by hand: every respondent here gives the same answer on
every item (reverse-keyed items the mirrored answer), so each element scores
(answer − 1) / 4 × 100 for that respondent: 3 → 50, 4 → 75, 5 → 100.
"""

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from tillid.compass import followup, followup_services, services
from tillid.compass import indicators as ci
from tillid.compass.instruments import spec_for
from tillid.compass.models import (
    ActionStatus,
    DialogueAction,
    DialogueMeeting,
    Invitation,
    Response,
    RoleGroup,
    Round,
)
from tillid.core import contracts
from tillid.core.anonymity import ALL, GroupNode
from tillid.core.indicators import Measure, Period, Scope, Status, Track
from tillid.core.tests.anonymity_attacks import cover_attack, span_attack
from tillid.organisation import services as org_services
from tillid.organisation.models import Person, Unit, UnitKind
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = Period(TODAY - dt.timedelta(days=364), TODAY)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def scope(unit=None) -> Scope:
    return Scope() if unit is None else Scope(unit_id=unit.pk, path=unit.path)


def by_code(unit=None, period=YEAR) -> dict:
    return {i.code: i for i in ci.indicators(scope=scope(unit), period=period, today=TODAY)}


def make_round(org, instruments, *, name, closed_days_ago, root=None):
    return Round.objects.create(
        name=name,
        instrument=instruments.employee,
        root=root or org.root,
        opens_on=ago(closed_days_ago + 14),
        closes_on=ago(closed_days_ago),
        min_group=5,
        min_comment_group=8,
    )


def answer(round_, unit, n, value, role=RoleGroup.EMPLOYEE):
    spec = spec_for(round_.instrument)
    sheet = {code: (6 - value if rev else value) for code, rev in spec.items}
    Response.objects.bulk_create(
        services.response_sheet(
            spec=spec,
            round_id=round_.pk,
            unit_id=unit.pk,
            role_group=role,
            submitted_on=round_.closes_on,
            answers=sheet,
        )
        for _i in range(n)
    )


def invite(round_, unit, invited, used):
    people = Person.objects.bulk_create(
        Person(external_id=f"I{round_.pk}-{unit.pk}-{i}", name=f"Inviteret {i}", unit=unit)
        for i in range(invited)
    )
    Invitation.objects.bulk_create(
        Invitation(
            round=round_,
            person=p,
            unit=unit,
            role_group=RoleGroup.EMPLOYEE,
            token_hash=f"{round_.pk}-{p.pk}",
            used=i < used,
        )
        for i, p in enumerate(people)
    )


# --- the trust compass and the response rate ---------------------------------------------


def test_the_trust_compass_over_rounds_with_its_interval(org, instruments):
    spring = make_round(org, instruments, name="Forår", closed_days_ago=200)
    autumn = make_round(org, instruments, name="Efterår", closed_days_ago=30)
    answer(spring, org.team_north, 5, 4)  # 75
    answer(autumn, org.team_north, 5, 5)  # 100
    answer(autumn, org.school, 5, 3)  # 50
    north = by_code(org.team_north)["compass.trust_compass"]
    assert (north.value, north.status, north.measure) == (100, Status.ON_TRACK, Measure.SCORE)
    assert [(p.label, p.value) for p in north.trend] == [("Forår", 75), ("Efterår", 100)]
    assert (north.trend[0].low, north.trend[0].high) == (75, 75)  # everyone answered alike
    assert [value for _name, value in north.parts] == [100, 100, 100, 100]
    assert len(north.parts) == 4
    assert north.url == reverse("compass:results", args=[autumn.pk, org.team_north.pk])
    # The whole organisation: Team Nord's 5 at 100, the school's 5 at 50.
    assert north.organisation_value == pytest.approx(75)
    south = by_code(org.team_south)["compass.trust_compass"]
    assert (south.value, south.status) == (None, Status.NO_DATA)
    assert by_code(org.school)["compass.trust_compass"].status == Status.WATCH  # 50: under 60


def test_a_fall_beyond_the_interval_is_to_watch(org, instruments):
    before = make_round(org, instruments, name="Før", closed_days_ago=200)
    after = make_round(org, instruments, name="Efter", closed_days_ago=30)
    answer(before, org.team_north, 6, 5)
    answer(after, org.team_north, 3, 3)
    answer(after, org.team_north, 3, 4)  # mean 62.5, its interval well under 100
    found = by_code(org.team_north)["compass.trust_compass"]
    assert found.value == pytest.approx(62.5)
    assert found.trend[-1].high < 100
    assert found.status == Status.WATCH


def test_the_response_rate_of_the_latest_round(org, instruments):
    round_ = make_round(org, instruments, name="Runde", closed_days_ago=30)
    invite(round_, org.team_north, 8, 5)
    invite(round_, org.school, 4, 4)
    found = by_code(org.team_north)["compass.response_rate"]
    assert found.value == pytest.approx(5 / 8)
    assert found.status == Status.WATCH
    assert dict(found.parts) == {"Inviterede": 8, "Besvaret": 5}
    assert found.organisation_value == pytest.approx(9 / 12)
    assert by_code()["compass.response_rate"].status == Status.ON_TRACK


@pytest.mark.parametrize("seed", range(3))
def test_no_score_under_k_can_be_worked_out_from_the_indicators(org, instruments, seed):
    """Every unit's trust compass, as the overview would ask for it, attacked."""
    rng = random.Random(seed)
    units = [org.care_home, org.team_north, org.team_south, org.school, org.primary]
    for i in range(rng.randint(2, 5)):
        units.append(
            org_services.create_unit(
                external_id=f"C{seed}-{i}",
                name=f"Enhed {i}",
                kind=UnitKind.TEAM,
                parent=rng.choice(units),
            )
        )
    round_ = make_round(org, instruments, name="Runde", closed_days_ago=30)
    counts = {}
    for unit in units:
        n = rng.choice([0, 1, 2, 3, 4, 6, 8])
        counts[unit.pk] = n
        if n:
            answer(round_, unit, n, rng.choice([2, 3, 4, 5]))
    every = list(Unit.objects.filter(is_active=True))
    shown = set()
    for unit in [None, *every]:
        found = by_code(unit)["compass.trust_compass"]
        if found.value is not None:
            shown.add((org.root if unit is None else unit).pk)
    nodes = [GroupNode(u.pk, u.parent_id, {ALL: counts.get(u.pk, 0)}) for u in every]
    visible = {(uid, ALL) for uid in shown}
    assert span_attack(nodes, visible, (), 5) == []
    assert cover_attack(nodes, visible, (), 5) == []


# --- the dialogue after the round ----------------------------------------------------------


@pytest.fixture
def dialogue(org, instruments, roles, person_user, settings):
    """A round closed 30 days ago with results for Team Nord (under Egely) and Egeskolen.

    Expected to meet: Plejecenter Egely (Mette leads it) and Egeskolen (Peter leads it).
    """
    settings.TILLID_DIALOGUE_MEETING_DAYS = 20
    settings.TILLID_DIALOGUE_CHECK_DAYS = 5
    round_ = make_round(org, instruments, name="Efterår", closed_days_ago=30)
    answer(round_, org.team_north, 6, 4)
    answer(round_, org.school, 5, 4)
    meeting = DialogueMeeting.objects.create(
        round=round_,
        unit=org.care_home,
        held_on=ago(10),
        participants=8,
        agreements="Vi afprøver kun at dokumentere afvigelser.",
        created_by=roles.leader,
    )
    actions = {
        name: DialogueAction.objects.create(
            meeting=meeting, title=name, owner="Teamleder", due_on=ago(days), status=status
        )
        for name, days, status in (
            ("Liste over registreringer", 20, ActionStatus.DONE),
            ("Spilleregler", 5, ActionStatus.OPEN),
            ("Makkerordning", -30, ActionStatus.OPEN),
            ("Fælles morgenmøde", 10, ActionStatus.DROPPED),
        )
    }
    school_leader = person_user(org.people["P6"])
    return round_, meeting, actions, school_leader


def test_units_expected_to_meet_are_those_with_results_and_a_leader(org, dialogue):
    round_, meeting, _actions, _leader = dialogue
    rows = followup.dialogues(round_)
    assert [(d.unit, d.meeting) for d in rows] == [(org.care_home, meeting), (org.school, None)]
    assert rows[1].due_on == ago(10)
    assert rows[1].late(TODAY)
    assert not rows[0].late(TODAY)


def test_dialogue_indicators_count_meetings_actions_and_checks(org, dialogue, roles):
    _round, _meeting, actions, _leader = dialogue
    found = by_code()
    meetings = found["compass.dialogue_meetings"]
    assert (meetings.value, meetings.status) == (0.5, Status.WATCH)  # 1 of 2 late
    assert dict(meetings.parts) == {
        "Holdt": 1,
        "Endnu ikke, inden for fristen": 0,
        "Over fristen": 1,
    }
    assert meetings.track == Track.LOCAL_LEADERSHIP
    home = by_code(org.care_home)["compass.dialogue_meetings"]
    assert (home.value, home.status, home.organisation_value) == (1, Status.ON_TRACK, 0.5)
    done = found["compass.dialogue_actions"]
    # Due so far: the list (done), the rules (open, overdue), the morning meeting (dropped).
    assert done.value == pytest.approx(1 / 3)
    assert dict(done.parts) == {"Udført": 1, "Over fristen": 1, "Opgivet": 1}
    assert done.status == Status.BEHIND  # 1 of 3 overdue: more than a quarter
    checks = found["compass.dialogue_checks"]
    # Checks due 5 days after the meeting (5 days ago): the list and the rules.
    assert (checks.value, checks.status) == (0, Status.BEHIND)
    followup_services.record_action_check(
        action=actions["Liste over registreringer"],
        leader_verdict="worked",
        team_verdict="worked",
        user=roles.leader,
    )
    checks = by_code()["compass.dialogue_checks"]
    assert (checks.value, checks.status) == (0.5, Status.WATCH)
    assert dict(checks.parts)["Det virkede"] == 1
    assert dict(checks.parts)["Ikke tjekket endnu"] == 1


def test_the_leaders_find_their_follow_ups(org, dialogue, roles):
    _round, _meeting, _actions, school_leader = dialogue
    mine = followup.followups(scope=None, owner_id=roles.leader.pk, today=TODAY)
    kinds = sorted((f.kind, f.title, f.done) for f in mine)
    assert ("dialogue_meeting", "Dialogmøde i Plejecenter Egely om Efterår", True) in kinds
    assert ("dialogue_action", "Spilleregler", False) in kinds
    assert ("dialogue_check", "Spilleregler", False) in kinds
    assert not any(f.title == "Fælles morgenmøde" and f.kind == "dialogue_check" for f in mine)
    late = [f for f in mine if f.is_late(TODAY)]
    assert sorted(f.kind for f in late) == ["dialogue_action", "dialogue_check", "dialogue_check"]
    (school,) = followup.followups(scope=None, owner_id=school_leader.pk, today=TODAY)
    assert (school.kind, school.due_on, school.is_late(TODAY)) == (
        "dialogue_meeting",
        ago(10),
        True,
    )
    team = followup.followups(scope=scope(org.school), owner_id=None, today=TODAY)
    assert [f.kind for f in team] == ["dialogue_meeting"]
    assert {
        label
        for label, _f in contracts.collect(
            "overview.followups", scope=None, owner_id=school_leader.pk, today=TODAY
        )
    } >= {"compass"}


def test_closing_an_action_keeps_its_date(dialogue):
    _round, _meeting, actions, _leader = dialogue
    action = followup_services.set_action_status(
        action=actions["Spilleregler"], status=ActionStatus.DONE, follow_up="Hængt op."
    )
    assert action.closed_on == TODAY
    action = followup_services.set_action_status(action=action, status=ActionStatus.OPEN)
    assert action.closed_on is None


def test_the_leader_records_the_check_for_the_leader_and_the_team(client, dialogue, roles):
    _round, meeting, actions, _leader = dialogue
    action = actions["Spilleregler"]
    url = reverse("compass:action_check", args=[action.pk])
    login(client, roles.employee)
    assert client.get(url).status_code == 403
    login(client, roles.leader)
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"leader_verdict": "worked", "team_verdict": "partly"})
    assert "Lederen og teamet ser det forskelligt" in response.content.decode()
    response = client.post(url, {"leader_verdict": "worked"})
    assert "Vælg teamets vurdering." in response.content.decode()
    response = client.post(
        url,
        {
            "leader_verdict": "worked",
            "team_verdict": "partly",
            "note": "Teamet savner reglerne om aftenen.",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.leader_verdict, action.team_verdict, action.checked_on) == (
        "worked",
        "partly",
        TODAY,
    )
    page = client.get(reverse("compass:dialogue", args=[meeting.unit_id])).content.decode()
    assert "Det virkede delvist" in page
    dropped = actions["Fælles morgenmøde"]
    response = client.get(reverse("compass:action_check", args=[dropped.pk]))
    assert response.status_code == 302


def test_the_follow_up_page_lists_meetings_and_actions(client, org, dialogue, roles):
    login(client, roles.politician)
    page = client.get(reverse("compass:followup"))
    assert page.status_code == 200
    rows = list(page.context["page_obj"].object_list)
    assert [d.unit for d in rows] == [org.care_home, org.school]
    assert "Ikke holdt: over fristen" in page.content.decode()
    actions = client.get(reverse("compass:followup"), {"vis": "handlinger"})
    titles = [row["action"].title for row in actions.context["page_obj"].object_list]
    assert titles == ["Liste over registreringer", "Spilleregler", "Makkerordning"]
    narrowed = client.get(reverse("compass:followup"), {"enhed": org.school.pk})
    assert [d.unit for d in narrowed.context["page_obj"].object_list] == [org.school]
    login(client, roles.med_tr)  # Social og Sundhed only
    assert client.get(reverse("compass:followup"), {"enhed": org.school.pk}).status_code == 403
    mine = client.get(reverse("compass:followup"))
    assert [d.unit for d in mine.context["page_obj"].object_list] == [org.care_home]
