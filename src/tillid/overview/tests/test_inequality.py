import json
import math

import numpy as np
import pytest

from tillid.overview.effects.inequality import (
    AreaWithoutPart,
    Flag,
    UnitValue,
    areas_without_part,
    inequality_watch,
    spread,
)
from tillid.overview.effects.panel import Code, PanelError


def _values(numbers, *, areas=("a",), took_part=()):
    return [
        UnitValue(i, areas[i * len(areas) // len(numbers)], float(v), i in took_part)
        for i, v in enumerate(numbers)
    ]


def test_spread_of_one_to_ten_by_hand():
    result = spread(_values(range(1, 11), areas=("a", "b")))
    assert result.units == 10
    assert result.mean == 5.5
    assert result.sd == pytest.approx(math.sqrt(sum((x - 5.5) ** 2 for x in range(1, 11)) / 9))
    assert (result.q1, result.median, result.q3, result.iqr) == (3.25, 5.5, 7.75, 4.5)
    assert result.fifth_size == 2
    assert (result.top_fifth_mean, result.bottom_fifth_mean, result.fifth_gap) == (9.5, 1.5, 8.0)
    assert result.fifth_share_ratio == pytest.approx(19 / 3)
    # Areas 1-5 and 6-10: means 3 and 8 around 5.5.
    assert result.between_area_share == pytest.approx((5 * 2.5**2 * 2) / 82.5)


def test_fifths_need_five_units_and_the_ratio_needs_no_negative_values():
    small = spread(_values([3, 1, 2, 5]))
    assert small.fifth_size == 0
    assert small.fifth_gap is None
    assert small.between_area_share is None  # one area
    signed = spread(_values([-2, 0, 1, 2, 4]))
    assert signed.fifth_gap == 6.0
    assert signed.fifth_share_ratio is None
    one = spread(_values([7]))
    assert math.isnan(one.sd)
    assert one.iqr == 0.0


def test_bad_values_are_reported():
    with pytest.raises(PanelError) as caught:
        spread([UnitValue(1, "a", 1.0), UnitValue(1, "a", 2.0), UnitValue(2, "", math.inf)])
    assert [(p.code, p.unit) for p in caught.value.problems] == [
        (Code.DUPLICATE_UNIT, 1),
        (Code.GROUP_MISSING, 2),
        (Code.VALUE_NOT_FINITE, 2),
    ]
    with pytest.raises(PanelError):
        spread([])


def test_a_widening_gap_and_units_pulling_away_are_flagged():
    rng = np.random.default_rng(4)
    n = 60
    base = rng.normal(50, 5, n)
    freed = set(range(15))
    before = [UnitValue(i, f"area-{i % 4}", float(base[i]), i in freed) for i in range(n)]
    after = [
        UnitValue(
            i,
            f"area-{i % 4}",
            float(base[i] + (6 if i in freed else 0) + rng.normal(0, 1)),
            i in freed,
        )
        for i in range(n)
    ]
    watch = inequality_watch(measure="compass.culture", before=before, after=after, seed=1)
    away = watch.pulling_away
    assert (away.took_part, away.others) == (15, 45)
    moved = np.array([a.value - b.value for a, b in zip(after, before, strict=True)])
    by_hand = moved[:15].mean() - moved[15:].mean()
    assert away.change == pytest.approx(by_hand)
    assert away.ci_low > 0
    assert away.flag
    assert Flag.PULLING_AWAY in watch.flags
    assert watch.gap_change.paired_units == n
    assert watch.gap_change.change == pytest.approx(
        watch.gap_change.fifth_gap_after - watch.gap_change.fifth_gap_before
    )
    assert [area for area, _ in watch.by_area] == ["area-0", "area-1", "area-2", "area-3"]
    assert sum(s.units for _, s in watch.by_area) == n
    assert watch.areas_without_part == ()
    data = json.loads(watch.as_json())
    assert data["pulling_away"]["change"] == away.change
    assert data["flags"] == list(watch.flags)


def test_catching_up_is_not_pulling_away():
    before = _values([40] * 5 + [50] * 10, took_part=range(5))
    after = [
        UnitValue(v.unit, v.area, v.value + (8 if v.took_part else 0), v.took_part) for v in before
    ]
    after = [UnitValue(v.unit, v.area, v.value + 0.1 * (v.unit % 3), v.took_part) for v in after]
    watch = inequality_watch(measure="trust", before=before, after=after)
    away = watch.pulling_away
    assert away.gap_before == -10
    assert away.change > 0
    assert away.gap_after < 0  # still behind: they are catching up
    assert not away.flag
    assert Flag.PULLING_AWAY not in watch.flags


def test_the_fifth_gap_widening_is_flagged_only_beyond_its_interval():
    before = _values(range(50))
    stretched = [UnitValue(v.unit, v.area, v.value * 1.5, v.took_part) for v in before]
    widening = inequality_watch(measure="hours", before=before, after=stretched)
    assert widening.gap_change.change == pytest.approx(0.5 * (44.5 - 4.5))
    assert widening.gap_change.ci_low > 0
    assert Flag.FIFTH_GAP_WIDENING in widening.flags
    rng = np.random.default_rng(2)
    jitter = [UnitValue(v.unit, v.area, v.value + rng.normal(0, 3), v.took_part) for v in before]
    steady = inequality_watch(measure="hours", before=before, after=jitter)
    assert steady.gap_change.ci_low < 0 < steady.gap_change.ci_high
    assert Flag.FIFTH_GAP_WIDENING not in steady.flags


def test_areas_where_no_unit_took_part():
    values = [
        UnitValue(1, "Ældre", 3.0, True),
        UnitValue(2, "Ældre", 0.0, False),
        UnitValue(3, "Skole", 0.0, False),
        UnitValue(4, "Skole", 0.0, False),
        UnitValue(5, "Kultur", 0.0, False),
    ]
    assert areas_without_part(values) == (AreaWithoutPart("Kultur", 1), AreaWithoutPart("Skole", 2))
    assert areas_without_part(values, min_units=2) == (AreaWithoutPart("Skole", 2),)
    watch = inequality_watch(measure="trials", before=values, after=values, min_area_units=2)
    assert Flag.AREAS_WITHOUT_PART in watch.flags
    assert watch.pulling_away is None  # one unit took part: nothing to compare
    assert watch.gap_change.change == 0.0
