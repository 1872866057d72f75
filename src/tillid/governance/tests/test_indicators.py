"""Governance's indicators for the overview, against figures worked out by hand.

The fixture organisation: Plejecenter Egely has five people (Mette in the
institution, two in Team Nord, two in Team Syd); Egeskolen two (Peter, and
Camilla in Indskoling). The institutions are Egely and Egeskolen.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from tillid.core import contracts
from tillid.core.anonymity import ALL, GroupNode
from tillid.core.indicators import Measure, Period, Scope, Status, Track
from tillid.core.periods import quarters
from tillid.core.tests.anonymity_attacks import cover_attack, span_attack
from tillid.governance import indicators as gi
from tillid.governance import services
from tillid.governance.models import (
    EscalationAnswer,
    FollowUpVerdict,
    Layer,
    RedTapeReport,
    Review,
    ReviewStatus,
)
from tillid.organisation import services as org_services
from tillid.organisation.models import Unit, UnitKind

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate()
YEAR = Period(TODAY - dt.timedelta(days=364), TODAY)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def scope(unit=None) -> Scope:
    return Scope() if unit is None else Scope(unit_id=unit.pk, path=unit.path)


def by_code(unit=None, period=YEAR) -> dict:
    return {i.code: i for i in gi.indicators(scope=scope(unit), period=period, today=TODAY)}


def decide(roles, item, decision, days_ago, **extra):
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    return services.decide_review(
        review=review,
        user=roles.consultant,
        decision=decision,
        rationale="Begrundelse.",
        decided_on=ago(days_ago),
        **extra,
    )


@pytest.fixture(autouse=True)
def _cost(settings):
    settings.TILLID_HOURLY_COST_DKK = 450


# --- the contract ----------------------------------------------------------------


def test_governance_offers_its_indicators_to_the_overview(org):
    offered = dict(contracts.collect("overview.indicators", scope=Scope(), period=YEAR))
    found = offered["governance"]
    codes = [i.code for i in found]
    assert len(codes) == len(set(codes)) == 13
    assert "governance.council_waiting" in codes
    per_track = {track: sum(1 for i in found if i.track == track) for track in Track}
    assert per_track[Track.COUNCIL] == 5
    assert per_track[Track.ADMINISTRATION] == 5
    assert per_track[Track.EMPLOYEES] == 3
    for i in found:
        assert i.explanation
        assert i.url.startswith("/styring/")
        assert [p.label for p in i.trend] == [label for label, _p in quarters(YEAR)]


# --- council -----------------------------------------------------------------------


def test_council_decisions_are_counted_by_the_four_f(org, roles, item_factory):
    a = item_factory(title="Måltal A", layer=Layer.COUNCIL, units=[org.care_home])
    b = item_factory(title="Måltal B", layer=Layer.COUNCIL, units=[org.care_home])
    c = item_factory(title="Forvaltningens", layer=Layer.ADMINISTRATION, units=[org.care_home])
    old = item_factory(title="Gammelt måltal", layer=Layer.COUNCIL, units=[org.care_home])
    decide(roles, a, "remove", 10)
    decide(roles, b, "keep", 20)
    decide(roles, c, "remove", 10)
    decide(roles, old, "keep", 400)
    found = by_code(period=Period(ago(180), TODAY))["governance.council_decided"]
    assert found.value == 2
    assert dict(found.parts) == {"Fjerne": 1, "Forandre": 0, "Fastholde": 1, "Forankre": 0}
    assert found.status == Status.ON_TRACK
    assert sum(p.value for p in found.trend) == 2
    school = by_code(org.school, Period(ago(180), TODAY))["governance.council_decided"]
    assert (school.value, school.organisation_value, school.status) == (0, 2, Status.NO_DATA)
    none = by_code(period=Period(ago(5), TODAY))["governance.council_decided"]
    assert (none.value, none.status) == (0, Status.WATCH)


def _ready_for_decision(roles, item, days_ago):
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    services.advance_review(review=review, user=roles.consultant)
    services.advance_review(review=review, user=roles.consultant)
    when = timezone.now() - dt.timedelta(days=days_ago)
    Review.history.filter(id=review.pk, status=ReviewStatus.DECIDING).update(history_date=when)
    return review


def test_what_waits_for_the_council_is_named_with_the_days_waited(org, roles, item_factory):
    a = item_factory(title="Måltal for besøg", layer=Layer.COUNCIL, units=[org.care_home])
    b = item_factory(title="Kvalitetsstandard", layer=Layer.COUNCIL, units=[org.root])
    c = item_factory(title="Forvaltningens egen", layer=Layer.ADMINISTRATION, units=[org.root])
    _ready_for_decision(roles, a, 70)
    _ready_for_decision(roles, c, 300)
    found = by_code()["governance.council_waiting"]
    assert (found.value, found.parts, found.status) == (1, [("Måltal for besøg", 70)], Status.WATCH)
    _ready_for_decision(roles, b, 200)
    found = by_code()["governance.council_waiting"]
    assert found.parts == [("Kvalitetsstandard", 200), ("Måltal for besøg", 70)]
    assert found.status == Status.BEHIND
    # A quarter that ended before either was ready counts nobody.
    first = found.trend[0]
    assert first.value == (1 if first.on >= ago(200) else 0)
    school = by_code(org.school)["governance.council_waiting"]
    assert (school.value, school.organisation_value) == (1, 2)  # the municipality-wide one


def test_escalations_wait_for_the_state_and_a_grant_frees_the_time(org, roles, item_factory):
    item = item_factory(
        title="Samtalekrav",
        layer=Layer.STATE,
        units=[org.care_home],
        minutes_per_occurrence=D(30),
        occurrences_per_year=D(4),
    )
    review = decide(roles, item, "remove", 200)
    found = by_code()
    escalations = found["governance.escalations"]
    assert (escalations.value, escalations.status) == (1, Status.WATCH)  # 200 > 180 days
    assert dict(escalations.parts)["Venter på svar"] == 1
    assert found["governance.hours_freed"].value == 0
    services.record_escalation_answer(
        review=review,
        user=roles.consultant,
        follow_up_on=TODAY,
        answer=EscalationAnswer.GRANTED,
        answered_on=ago(20),
        note="Imødekommet.",
    )
    found = by_code()
    escalations = found["governance.escalations"]
    assert (escalations.value, escalations.status) == (0, Status.ON_TRACK)
    assert dict(escalations.parts)["Imødekommet: punktet er fjernet"] == 1
    # 30 min × 4 a year × 5 people = 600 min = 10 hours, from the day of the answer.
    assert found["governance.hours_freed"].value == pytest.approx(10)
    before = by_code(period=Period(ago(364), ago(30)))["governance.hours_freed"]
    assert before.value == 0


def test_hours_and_kroner_freed_by_decisions_in_force(org, roles, item_factory):
    # 10 min × 12 a year = 120 min per person; Egely's 5 people: 10 hours a year.
    removed = item_factory(
        title="Stikprøver",
        units=[org.care_home],
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(12),
    )
    # 60 min × 10 = 600 min per person, changed to 10 × 10 = 100: 500 min × 2 people.
    changed = item_factory(
        title="Ydelsesregistrering",
        units=[org.team_north],
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(10),
    )
    removal = decide(roles, removed, "remove", 30)
    change = decide(
        roles,
        changed,
        "change",
        60,
        new_activity_name="Besøgsblokke",
        new_minutes_per_occurrence=D(10),
        new_occurrences_per_year=D(10),
    )
    found = by_code()
    hours, dkk = found["governance.hours_freed"], found["governance.dkk_freed"]
    assert hours.value == pytest.approx(10 + 1000 / 60)
    assert dkk.value == pytest.approx((10 + 1000 / 60) * 450)
    assert (hours.measure, dkk.measure) == (Measure.HOURS, Measure.DKK)
    assert hours.status == Status.ON_TRACK
    north = by_code(org.team_north)["governance.hours_freed"]
    assert north.value == pytest.approx(120 * 2 / 60 + 1000 / 60)
    assert north.organisation_value == pytest.approx(10 + 1000 / 60)
    # The trend accumulates: the last quarter holds everything in force.
    assert hours.trend[-1].value == pytest.approx(hours.value)
    # The follow-up confirms the removal and finds that the change did not work.
    for review, verdict in ((removal, FollowUpVerdict.WORKED), (change, "did_not_work")):
        services.record_decision_follow_up(
            review=review, user=roles.consultant, follow_up_on=TODAY, verdict=verdict, note="Set."
        )
    hours = by_code()["governance.hours_freed"]
    assert hours.value == pytest.approx(10)
    assert dict(hours.parts) == {"Bekræftet ved opfølgningen": 10, "Ikke fulgt op endnu": 0}
    assert by_code(period=Period(ago(5), TODAY))["governance.hours_freed"].status == Status.WATCH


def test_nothing_decided_is_no_data(org):
    found = by_code()
    assert found["governance.hours_freed"].status == Status.NO_DATA
    assert found["governance.escalations"].status == Status.NO_DATA


# --- administration ----------------------------------------------------------------


def test_register_coverage_counts_institutions_with_their_own_governance(org, item_factory):
    item_factory(
        title="Teamets vagtplan", units=[org.team_north], introduced_on=dt.date(2020, 1, 1)
    )
    item_factory(title="Kommunens politik", units=[org.root], introduced_on=dt.date(2020, 1, 1))
    found = by_code()["governance.register_coverage"]
    assert (found.value, found.status) == (0.5, Status.WATCH)  # Egely yes, Egeskolen no
    assert found.parts == [("Registreret", 1), ("Ikke registreret", 1)]
    children = by_code(org.children)["governance.register_coverage"]
    assert (children.value, children.status, children.organisation_value) == (
        0,
        Status.BEHIND,
        0.5,
    )
    item_factory(title="Skolens ordensregler", units=[org.school], introduced_on=ago(100))
    found = by_code()["governance.register_coverage"]
    assert (found.value, found.status) == (1, Status.ON_TRACK)
    assert found.trend[0].value == 0.5  # before the school registered its own


def test_reviews_and_their_median_lead_time(org, roles, item_factory):
    def review(opened: int, decided: int | None):
        item = item_factory(title=f"Punkt {opened}", units=[org.care_home])
        made = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
        Review.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - dt.timedelta(days=opened)
        )
        if decided is not None:
            services.decide_review(
                review=made,
                user=roles.consultant,
                decision="keep",
                rationale="Giver mening.",
                decided_on=ago(decided),
            )

    review(100, 40)  # 60 days
    review(200, 10)  # 190 days
    review(50, 20)  # 30 days
    review(5, None)
    found = by_code()
    reviews, lead = found["governance.reviews"], found["governance.review_lead_time"]
    assert reviews.value == 3
    assert dict(reviews.parts) == {"Åbnet": 4, "Besluttet": 3, "Eskaleret": 0, "Stadig åbne": 1}
    assert reviews.status == Status.ON_TRACK
    assert (lead.value, lead.status, lead.measure) == (60, Status.ON_TRACK, Measure.DAYS)
    recent = by_code(period=Period(ago(15), TODAY))
    assert recent["governance.review_lead_time"].value == 190
    assert recent["governance.review_lead_time"].status == Status.BEHIND
    assert recent["governance.reviews"].status == Status.ON_TRACK  # 1 opened, 1 decided


def test_the_documentation_neutral_balance(org, roles, item_factory):
    old = item_factory(
        title="Gammel",
        units=[org.care_home],
        introduced_on=dt.date(2020, 1, 1),
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(12),
    )
    item_factory(
        title="Ny",
        units=[org.team_north],
        introduced_on=ago(30),
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(3),
        no_compensation_reason="Krævet efter tilsyn.",
    )
    found = by_code()["governance.balance"]
    assert found.value == pytest.approx(6)  # 180 min × 2 people, nothing removed
    assert found.status == Status.BEHIND
    decide(roles, old, "remove", 10)  # 120 min × 5 people = 10 hours
    found = by_code()["governance.balance"]
    assert found.value == pytest.approx(-4)
    assert dict(found.parts) == {"Tilføjet": pytest.approx(6), "Fjernet": pytest.approx(10)}
    assert found.status == Status.ON_TRACK
    assert by_code(org.team_north)["governance.balance"].value == pytest.approx(6 - 4)


def test_mushrooming_is_the_growth_of_the_governance_in_force(org, roles, item_factory):
    for n in range(20):
        item_factory(title=f"Regel {n}", units=[org.care_home], introduced_on=dt.date(2020, 1, 1))
    item_factory(title="Ny regel", units=[org.care_home], introduced_on=ago(40))
    found = by_code()["governance.mushrooming"]
    assert (found.value, found.status) == (1, Status.WATCH)  # 1 of 20: up to 5 %
    item_factory(title="Endnu en", units=[org.care_home], introduced_on=ago(20))
    assert by_code()["governance.mushrooming"].status == Status.BEHIND
    removed = item_factory(
        title="Fjernes", units=[org.care_home], introduced_on=dt.date(2020, 1, 1)
    )
    decide(roles, removed, "remove", 5)
    found = by_code()["governance.mushrooming"]
    assert found.value == 1
    assert dict(found.parts)["Indført"] == 2
    assert dict(found.parts)["Ophørt"] == 1


# --- employees: red tape -----------------------------------------------------------------


def _report(unit, reported: int, answered: int | None, *, due: int | None = None, reporter=None):
    return RedTapeReport.objects.create(
        title="Bøvl",
        description="x",
        unit=unit,
        reporter=reporter,
        reported_on=ago(reported),
        due_on=ago(reported - 30 if due is None else due),
        answered_on=None if answered is None else ago(answered),
    )


def test_red_tape_received_answered_and_within_the_promise(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    settings.TILLID_RED_TAPE_PROMISE_DAYS = 30
    _report(org.team_north, 60, 55)  # 5 days, in time
    _report(org.team_north, 60, 40)  # 20 days, in time
    _report(org.team_north, 60, None)  # due 30 days ago: late
    _report(org.team_south, 90, 50)  # 40 days: late answer
    _report(org.team_south, 20, 8)  # 12 days, in time
    _report(org.team_south, 10, None)  # due in 20 days: still within the promise
    found = by_code(org.care_home)
    received = found["governance.red_tape_received"]
    assert received.value == 6
    assert dict(received.parts) == {
        "Besvaret": 4,
        "Venter på svar": 2,
        "Over den lovede tid": 1,
    }
    assert received.status == Status.WATCH  # 1 of 6 late: up to a fifth
    days = found["governance.red_tape_days_to_answer"]
    assert days.value == pytest.approx((12 + 20) / 2)  # of 5, 12, 20, 40
    assert days.status == Status.ON_TRACK  # 16 ≤ 20 days (two thirds of 30)
    within = found["governance.red_tape_within_promise"]
    assert within.value == pytest.approx(3 / 5)  # the waiting one within the promise is left out
    assert within.status == Status.BEHIND
    assert within.organisation_value == pytest.approx(3 / 5)


def test_red_tape_figures_of_a_small_unit_are_hidden(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    _report(org.team_north, 20, 10)
    _report(org.team_north, 20, None)
    for _n in range(3):
        _report(org.primary, 20, 15)
    north = by_code(org.team_north)
    for code in ("red_tape_received", "red_tape_days_to_answer", "red_tape_within_promise"):
        assert north[f"governance.{code}"].value is None
        assert north[f"governance.{code}"].status == Status.NO_DATA
    assert by_code(org.primary)["governance.red_tape_received"].value == 3


def test_a_person_who_reported_twice_counts_once(org, settings, roles):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    for _n in range(3):
        _report(org.team_north, 20, 10, reporter=roles.employee)
    assert by_code(org.team_north)["governance.red_tape_received"].value is None


@pytest.mark.parametrize("seed", range(4))
def test_nothing_under_k_can_be_worked_out_from_the_red_tape_figures(org, settings, seed):
    """Every unit's red-tape figures, as the overview would ask for them, attacked."""
    settings.TILLID_ANONYMITY_MIN_GROUP = k = 3
    rng = random.Random(seed)
    units = [org.care_home, org.team_north, org.team_south, org.school, org.primary]
    for i in range(rng.randint(2, 5)):
        units.append(
            org_services.create_unit(
                external_id=f"R{seed}-{i}",
                name=f"Enhed {i}",
                kind=UnitKind.TEAM,
                parent=rng.choice(units),
            )
        )
    counts = {}
    for unit in units:
        n = rng.choice([0, 1, 2, 3, 4, 6])
        counts[unit.pk] = n
        for _n in range(n):
            _report(unit, rng.randint(5, 80), rng.choice([None, 1, 3]))
    every = list(Unit.objects.filter(is_active=True))
    shown = {}
    for unit in [None, *every]:
        value = by_code(unit)["governance.red_tape_received"].value
        if value is not None:
            shown[(org.root if unit is None else unit).pk] = value
    nodes = [GroupNode(u.pk, u.parent_id, {ALL: counts.get(u.pk, 0)}) for u in every]
    visible = {(uid, ALL) for uid in shown}
    assert span_attack(nodes, visible, (), k) == []
    assert cover_attack(nodes, visible, (), k) == []
    assert all(value >= k for value in shown.values())


# --- the status rules, at their edges --------------------------------------------------


@pytest.mark.parametrize(
    ("longest", "status"),
    [(None, Status.ON_TRACK), (60, Status.ON_TRACK), (61, Status.WATCH), (181, Status.BEHIND)],
)
def test_status_council_waiting(longest, status):
    assert gi.status_council_waiting(longest)[0] == status


@pytest.mark.parametrize(
    ("value", "status"),
    [(None, Status.NO_DATA), (0.8, Status.ON_TRACK), (0.79, Status.WATCH), (0.49, Status.BEHIND)],
)
def test_status_share(value, status):
    assert gi.status_share(value, 0.8, 0.5, "Andel")[0] == status


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ((0, 0, 0), Status.NO_DATA),
        ((3, 0, 2), Status.BEHIND),
        ((5, 2, 3), Status.WATCH),
        ((4, 2, 2), Status.ON_TRACK),
    ],
)
def test_status_reviews(args, status):
    assert gi.status_reviews(*args)[0] == status


@pytest.mark.parametrize(
    ("added", "removed", "status"),
    [(0, 0, Status.NO_DATA), (5, 5, Status.ON_TRACK), (6, 5, Status.WATCH), (1, 0, Status.BEHIND)],
)
def test_status_balance(added, removed, status):
    assert gi.status_balance(added, removed)[0] == status


@pytest.mark.parametrize(
    ("net", "start", "status"),
    [
        (0, 10, Status.ON_TRACK),
        (1, 20, Status.WATCH),
        (2, 20, Status.BEHIND),
        (1, 0, Status.BEHIND),
    ],
)
def test_status_growth(net, start, status):
    assert gi.status_growth(net, start)[0] == status


@pytest.mark.parametrize(
    ("days", "status"),
    [(None, Status.NO_DATA), (20, Status.ON_TRACK), (21, Status.WATCH), (31, Status.BEHIND)],
)
def test_status_days_to_answer(days, status):
    assert gi.status_days_to_answer(days, 30)[0] == status


@pytest.mark.parametrize(
    ("end", "start", "decisions", "status"),
    [
        (0, 0, 0, Status.NO_DATA),
        (-1, 0, 1, Status.BEHIND),
        (5, 5, 1, Status.WATCH),
        (6, 5, 1, Status.ON_TRACK),
    ],
)
def test_status_freed(end, start, decisions, status):
    assert gi.status_freed(end, start, decisions)[0] == status


def test_status_late_reports():
    assert gi.status_late_reports(0, 0)[0] == Status.NO_DATA
    assert gi.status_late_reports(10, 0)[0] == Status.ON_TRACK
    assert gi.status_late_reports(10, 2)[0] == Status.WATCH
    assert gi.status_late_reports(10, 3)[0] == Status.BEHIND
