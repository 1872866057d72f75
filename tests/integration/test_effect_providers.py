"""The effect pages with the real providers: a four-F decision in governance,
rounds of the trust compass, a trial with its evaluation."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tillid.compass import services as compass_services
from tillid.compass.instruments import spec_for
from tillid.compass.models import Response, RoleGroup, Round
from tillid.governance.models import Item, Review, ReviewStatus
from tillid.organisation import services
from tillid.organisation.models import UnitKind
from tillid.organisation.testing import login
from tillid.trials.models import CriteriaMet, Evaluation, Trial

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    today = timezone.localdate()
    homes = [org.care_home] + [
        services.create_unit(
            external_id=f"HOME{i}",
            name=f"Plejecenter {i}",
            kind=UnitKind.INSTITUTION,
            parent=org.elder,
        )
        for i in range(1, 11)
    ]
    employee, _leader = compass_services.ensure_default_instruments()
    spec = spec_for(employee)
    decided_on = today - timedelta(days=250)
    rounds = []
    for r, days in enumerate((700, 450, 150)):
        round_ = Round.objects.create(
            name=f"Runde {r + 1}",
            instrument=employee,
            root=org.root,
            opens_on=today - timedelta(days=days + 14),
            closes_on=today - timedelta(days=days),
            min_group=5,
            min_comment_group=8,
        )
        rounds.append(round_)
        for h, home in enumerate(homes):
            # The last home is under k: left out, with one untouched home hidden
            # beside it (the touched ones have one answer more, so hiding one of
            # them would cost more).
            n = 3 if h == 10 else 7 if h < 4 else 6
            lift = 1 if h < 4 and round_.opens_on > decided_on else 0
            sheets = []
            for i in range(n):
                value = min(5, 2 + (h + r + i) % 3 + lift)
                sheets.append(
                    compass_services.response_sheet(
                        spec=spec,
                        round_id=round_.pk,
                        unit_id=home.pk,
                        role_group=RoleGroup.EMPLOYEE,
                        submitted_on=round_.closes_on,
                        answers=dict.fromkeys(spec.item_codes, value),
                        comment="",
                    )
                )
            Response.objects.bulk_create(sheets)
    item = Item.objects.create(
        reference="STY-1",
        title="Dobbeltdokumentation af bad",
        kind="documentation",
        layer="institution",
        introduced_on=today - timedelta(days=1000),
    )
    item.units.set(homes[:4])
    review = Review.objects.create(
        item=item,
        status=ReviewStatus.DECIDED,
        decision="remove",
        rationale="Medarbejderne viste, at formålet kan nås med mindre.",
        decided_on=decided_on,
    )
    trial = Trial.objects.create(
        title="Selvtilrettelagte vagter",
        question="Kan teamet selv lægge vagtplanen?",
        unit=homes[1],
        start_date=decided_on,
    )
    Evaluation.objects.create(
        trial=trial,
        what_worked="Færre vagtbytter.",
        evidence="Vagtplanen viste færre bytter.",
        criteria_met=CriteriaMet.choices[0][0],
    )
    return homes, review, trial


def test_a_decision_effect_from_the_compass_rounds(client, roles, world):
    _homes, review, _trial = world
    login(client, roles.consultant)
    response = client.get(f"/overblik/virkning/beslutning/{review.pk}/")
    assert response.status_code == 200
    effect = response.context["effect"]
    assert effect.outcome.startswith("compass:")
    assert len(effect.treated) == 4
    # The home with three answers, and one more so that it cannot be subtracted out.
    assert effect.left_out in (1, 2)
    assert effect.evidence.design.comparison_units == 7 - effect.left_out
    assert effect.evidence.estimate is not None
    text = response.content.decode()
    assert "Medarbejderne viste" in text
    assert "Udeladt af anonymitetsreglerne" in text


def test_a_trial_has_one_unit_so_the_page_cannot_tell(client, roles, world):
    _homes, _review, trial = world
    login(client, roles.consultant)
    response = client.get(f"/overblik/virkning/proevehandling/{trial.pk}/")
    text = response.content.decode()
    assert "Kan ikke afgøres" in text
    assert "Færre vagtbytter." in text  # the evaluation beside the numbers
    assert "Anslået virkning" not in text


def test_red_tape_is_an_outcome_and_the_group_page_finds_the_removal(client, roles, world):
    login(client, roles.consultant)
    page = client.get("/overblik/virkning/gruppe/")
    outcomes = dict(page.context["form"].fields["outcome"].choices)
    assert "governance:red_tape" in outcomes
    page = client.get(
        "/overblik/virkning/gruppe/",
        {
            "decision": "remove",
            "area": "",
            "year": "",
            "outcome": next(iter(outcomes)),
            "comparison": "kind",
        },
    )
    assert len(page.context["effect"].treated) == 4


def test_the_command_prints_the_estimate_at_full_precision(world):
    _homes, review, _trial = world
    out = StringIO()
    call_command("effect", "--decision", str(review.pk), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["treatment"]["kind"] == "decision"
    assert len(result["treated_units"]) == 4
    assert result["left_out"] in (1, 2)
    assert result["grade"] is not None
    assert len(result["observations"]) == (11 - result["left_out"]) * 3


def test_the_inequality_watch_counts_decisions_and_trials_as_taking_part(client, roles, world):
    homes, _review, trial = world
    login(client, roles.consultant)
    response = client.get(
        "/overblik/virkning/ulighed/",
        {"outcome": "compass:culture", "within": "", "kind": "institution"},
    )
    assert response.status_code == 200
    watch = response.context["watch"].watch
    # Four homes under the removal; the trial's home is one of them.
    assert watch.pulling_away.took_part == 4
    assert trial.unit_id in {h.pk for h in homes[:4]}


@pytest.mark.parametrize("outcome", ["governance:burden_hours", "governance:freed_hours"])
def test_the_decision_page_shows_governance_hours(client, roles, world, outcome):
    from tillid.organisation.models import Person

    homes, review, _trial = world
    # Six employees in each home but the last (three: hidden by the anonymity engine).
    Person.objects.bulk_create(
        Person(external_id=f"H{h}-{i}", name=f"Ansat {h}-{i}", email=f"h{h}-{i}@x.dk", unit=home)
        for h, home in enumerate(homes)
        for i in range(3 if h == 10 else 6)
    )
    item = review.item
    item.minutes_per_occurrence = 30
    item.occurrences_per_year = 12
    item.ended_on = review.decided_on
    item.save()
    review.minutes_before, review.minutes_after = 360, 0
    review.save()
    login(client, roles.consultant)
    page = client.get("/overblik/virkning/gruppe/")
    assert outcome in dict(page.context["form"].fields["outcome"].choices)
    response = client.get(
        f"/overblik/virkning/beslutning/{review.pk}/", {"outcome": outcome, "comparison": "kind"}
    )
    assert response.status_code == 200
    effect = response.context["effect"]
    assert effect.outcome == outcome
    assert len(effect.treated) == 4
    assert effect.left_out >= 1
    text = response.content.decode()
    assert "Udeladt af anonymitetsreglerne" in text
