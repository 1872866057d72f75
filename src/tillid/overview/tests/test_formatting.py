import datetime as dt

import pytest
from django.utils import translation

from tillid.core.indicators import FollowUp, Indicator, Measure, Status, Track
from tillid.overview.formatting import format_value, status_summary, track_status
from tillid.overview.selectors import late_summary


@pytest.fixture(autouse=True)
def danish():
    with translation.override("da"):
        yield


@pytest.mark.parametrize(
    ("value", "measure", "text"),
    [
        (None, Measure.COUNT, "Intet tal"),
        (1234, Measure.COUNT, "1.234"),
        (0.456, Measure.SHARE, "46 %"),
        (1.0, Measure.SHARE, "100 %"),
        (1234.4, Measure.HOURS, "1.234 timer om året"),
        (2500000, Measure.DKK, "2.500.000 kr. om året"),
        (12.5, Measure.DAYS, "12,5 dage"),
        (1, Measure.DAYS, "1 dag"),
        (30, Measure.DAYS, "30 dage"),
        (71.6, Measure.SCORE, "72 af 100"),
    ],
)
def test_values_read_in_danish_with_their_unit(value, measure, text):
    assert format_value(value, measure) == text


def indicator(status: Status) -> Indicator:
    return Indicator(
        track=Track.COUNCIL,
        code="x",
        label="x",
        value=1,
        measure=Measure.COUNT,
        status=status,
        explanation="",
    )


def test_a_track_is_as_far_behind_as_its_furthest_indicator():
    assert track_status([indicator(Status.ON_TRACK), indicator(Status.WATCH)]) == Status.WATCH
    assert track_status([indicator(Status.NO_DATA), indicator(Status.BEHIND)]) == Status.BEHIND
    assert track_status([indicator(Status.NO_DATA), indicator(Status.ON_TRACK)]) == (
        Status.ON_TRACK
    )
    assert track_status([indicator(Status.NO_DATA)]) == Status.NO_DATA
    assert track_status([]) == Status.NO_DATA


def test_the_status_summary_counts_in_words():
    rows = [indicator(s) for s in [Status.ON_TRACK, Status.ON_TRACK, Status.WATCH, Status.BEHIND]]
    assert status_summary(rows) == "2 på sporet, 1 at holde øje med, 1 bagud"
    assert status_summary([]) == "Ingen indikatorer"


def followup(kind: str, due: dt.date | None, done: bool = False) -> FollowUp:
    return FollowUp(
        kind=kind, kind_label=kind.title(), title=f"{kind} {due}", url="", due_on=due,
        owner_id=None, done=done,
    )  # fmt: skip


def test_late_follow_ups_are_counted_per_kind():
    today = dt.date(2026, 6, 1)
    rows = [
        followup("red_tape", dt.date(2026, 5, 1)),  # late
        followup("red_tape", dt.date(2026, 6, 1)),  # due today: not late
        followup("red_tape", dt.date(2026, 4, 1), done=True),  # answered
        followup("decision", dt.date(2026, 3, 1)),  # late
        followup("decision", None),  # no due date: never late
    ]
    summary = late_summary(rows, today=today)
    counts = {k.kind: (k.open, k.late) for k in summary.kinds}
    assert counts == {"red_tape": (2, 1), "decision": (2, 1)}
    assert summary.late_total == 2
    assert summary.open_total == 4
    assert [r.due_on for r in summary.late] == [dt.date(2026, 3, 1), dt.date(2026, 5, 1)]


def test_a_scope_s_indicators_are_kept_for_a_while(settings, monkeypatch, db):
    from django.core.cache import cache

    from tillid.core import contracts
    from tillid.core.indicators import Period, Scope
    from tillid.overview import selectors

    settings.TILLID_OVERVIEW_CACHE_SECONDS = 60
    cache.clear()
    calls = []

    def offer(*, scope, period):
        calls.append(scope)
        return [indicator(Status.ON_TRACK)]

    monkeypatch.setattr(contracts, "providers", lambda name: [("test", offer)])
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    for _ in range(2):
        selectors.indicators_by_track(scope=Scope(), period=period)
    selectors.indicators_by_track(scope=Scope(unit_id=1, path="/1/"), period=period)
    assert len(calls) == 2  # once per scope
    cache.clear()


def test_effect_wording_rounds_instead_of_cutting_decimals_off():
    from django.utils import translation

    from tillid.overview.effects.wording import _n

    with translation.override("da"):
        # Django's number_format alone would print 0,99 and 5,29.
        assert _n(0.999) == "1,00"
        assert _n(5.296) == "5,30"
        assert _n(-0.456) == "-0,46"
        assert _n(3) == "3"
