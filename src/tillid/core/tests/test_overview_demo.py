"""The demo municipality has history enough for every indicator and trend of the overview
(issue 11.6), gathered the way the overview does: through the contracts alone."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tillid.core import contracts
from tillid.core.indicators import Period, Scope, Status

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_every_indicator_has_a_figure_and_a_trend_in_the_demo():
    call_command("demo_municipality", "--employees", "300", "--seed", "5", stdout=StringIO())
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=729), today)
    found = [
        i
        for _app, indicators in contracts.collect(
            "overview.indicators", scope=Scope(), period=period
        )
        for i in indicators
    ]
    assert len({i.track for i in found}) == 5
    missing = [i.code for i in found if i.value is None or i.status == Status.NO_DATA]
    assert missing == []
    flat = [i.code for i in found if len([p for p in i.trend if p.value is not None]) < 2]
    assert flat == []
    follow = [
        f
        for _app, found in contracts.collect(
            "overview.followups", scope=Scope(), owner_id=None, today=today
        )
        for f in found
    ]
    kinds = {f.kind for f in follow}
    assert {"red_tape", "decision", "escalation", "dialogue_action", "dialogue_check"} <= kinds
    assert {"trial_evaluation", "trial_decision"} <= kinds
    assert any(f.is_late(today) for f in follow)
    decisions = [
        d
        for _app, found in contracts.collect("overview.decisions", scope=Scope(), period=period)
        for d in found
    ]
    assert {d.kind for d in decisions} == {"four_f", "exemption"}
