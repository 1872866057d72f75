"""Governance's lines of the published list of decisions, and the figures it lends trials."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tillid.core import contracts
from tillid.core.indicators import Period, Scope
from tillid.governance import published, services
from tillid.governance.models import Layer

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate()
YEAR = Period(TODAY - dt.timedelta(days=364), TODAY)


def test_every_four_f_decision_is_listed_with_layer_rationale_and_hours(
    org, roles, item_factory, settings
):
    settings.TILLID_HOURLY_COST_DKK = 450
    removed = item_factory(
        title="Stikprøver",
        layer=Layer.ADMINISTRATION,
        units=[org.care_home],
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(12),
    )
    escalated = item_factory(title="Samtalekrav", layer=Layer.STATE, units=[org.care_home])
    for item, decision, days in ((removed, "remove", 20), (escalated, "remove", 10)):
        review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
        services.decide_review(
            review=review,
            user=roles.consultant,
            decision=decision,
            rationale="Kontrollen gav ingen ny viden.",
            decided_on=TODAY - dt.timedelta(days=days),
        )
    lines = published.decisions(scope=Scope(), period=YEAR)
    assert [(d.title, d.layer, d.kind) for d in lines] == [
        ("Stikprøver", "Forvaltning eller område", "four_f"),
        ("Samtalekrav", "EU eller stat", "four_f"),
    ]
    first, second = lines
    assert first.decision == "Fjerne"
    assert first.rationale == "Kontrollen gav ingen ny viden."
    assert first.hours_freed == pytest.approx(10)  # 120 min × 5 people
    assert first.dkk_freed == pytest.approx(4500)
    assert first.unit_names == ["Plejecenter Egely"]
    assert second.hours_freed is None  # waits for the state
    assert "eskaleret" in second.decision
    north = published.decisions(
        scope=Scope(unit_id=org.team_north.pk, path=org.team_north.path), period=YEAR
    )
    assert north[0].hours_freed == pytest.approx(4)  # Team Nord's 2 people
    assert (
        published.decisions(scope=Scope(unit_id=org.school.pk, path=org.school.path), period=YEAR)
        == []
    )
    # Nobody is named: not the facilitator, not the participants.
    text = repr(lines)
    assert roles.consultant.username not in text
    assert (
        dict(contracts.collect("overview.decisions", scope=Scope(), period=YEAR))["governance"]
        == lines
    )


def test_trials_get_the_layer_and_burden_of_what_they_set_aside(org, item_factory):
    item = item_factory(
        title="Ydelsesregistrering",
        layer=Layer.ADMINISTRATION,
        units=[org.care_home],
        minutes_per_occurrence=D(6),
        occurrences_per_year=D(100),
    )
    found = contracts.call(
        "trials.exemption_figures", items_by_unit={org.team_north.pk: [item.pk, 999999]}
    )[org.team_north.pk]
    assert 999999 not in found
    assert found[item.pk]["layer"] == "Forvaltning eller område"
    assert found[item.pk]["hours"] == pytest.approx(600 * 2 / 60)
    assert found[item.pk]["dkk"] == pytest.approx(20 * 450)
