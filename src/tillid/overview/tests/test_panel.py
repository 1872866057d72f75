import numpy as np
import pytest

from tillid.overview.effects.panel import (
    Code,
    Cohort,
    Excluded,
    Observation,
    Panel,
    PanelError,
    UnitInfo,
)


def _panel(observations, units, **kwargs):
    return Panel(outcome="redtape.per100", observations=observations, units=units, **kwargs)


def _codes(error: PanelError) -> list[tuple[str, object, object]]:
    return [(p.code, p.unit, p.period) for p in error.problems]


def test_every_problem_is_reported_with_its_unit_and_period():
    with pytest.raises(PanelError) as caught:
        _panel(
            [
                Observation("a", 1, 1.0, 10),
                Observation("a", 1, 2.0, 10),  # duplicate
                Observation("b", 1.5, 1.0, 10),  # period not an integer
                Observation("c", 2, float("nan"), 10),
                Observation("c", 3, "high", 10),
                Observation("c", 4, 1.0, -1),
                Observation("c", 5, 1.0, 2.5),
                Observation("zz", 1, 1.0, 3),  # not listed
                Observation(True, 1, 1.0, 3),
            ],
            [
                UnitInfo("a", "area-1"),
                UnitInfo("a", "area-1"),
                UnitInfo("b", " "),
                UnitInfo("c", "area-2", first_treated=2.0),
                UnitInfo("", "area-2"),
            ],
            left_out=-1,
        )
    error = caught.value
    assert _codes(error) == [
        (Code.LEFT_OUT_INVALID, None, None),
        (Code.DUPLICATE_UNIT, "a", None),
        (Code.GROUP_MISSING, "b", None),
        (Code.FIRST_TREATED_NOT_INTEGER, "c", None),
        (Code.UNIT_ID_INVALID, None, None),
        (Code.DUPLICATE_OBSERVATION, "a", 1),
        (Code.PERIOD_NOT_INTEGER, "b", None),
        (Code.VALUE_NOT_FINITE, "c", 2),
        (Code.VALUE_NOT_NUMBER, "c", 3),
        (Code.RESPONDENTS_NEGATIVE, "c", 4),
        (Code.RESPONDENTS_NOT_INTEGER, "c", 5),
        (Code.UNKNOWN_UNIT, "zz", None),
        (Code.UNIT_ID_INVALID, None, None),
    ]
    assert "duplicate_observation (period, unit 'a', period 1)" in str(error)


def test_an_empty_panel_and_a_missing_outcome_are_problems():
    with pytest.raises(PanelError) as caught:
        Panel(outcome="", observations=[], units=[])
    assert [p.code for p in caught.value.problems] == [Code.OUTCOME_MISSING, Code.NO_OBSERVATIONS]


def test_numpy_numbers_are_accepted():
    panel = _panel(
        [Observation(np.int64(1), np.int64(p), np.float64(p), np.int32(9)) for p in (1, 2)],
        [UnitInfo(np.int64(1), "x", None)],
    )
    assert panel.frame()["value"].tolist() == [1.0, 2.0]


def test_from_records_reports_missing_keys():
    with pytest.raises(PanelError) as caught:
        Panel.from_records(
            outcome="x",
            observations=[{"unit": 1, "period": 1, "value": 2.0}],
            units=[{"unit": 1}],
        )
    assert [(p.code, p.field) for p in caught.value.problems] == [
        (Code.FIELD_MISSING, "respondents"),
        (Code.FIELD_MISSING, "group"),
    ]
    panel = Panel.from_records(
        outcome="x",
        observations=[{"unit": 1, "period": p, "value": 2.0, "respondents": 5} for p in (1, 2)],
        units=[{"unit": 1, "group": "g", "first_treated": None}],
        left_out=2,
    )
    assert panel.design().comparison_units == 1
    assert panel.design().left_out == 2


def test_design_counts_units_periods_and_exclusions():
    units = [
        UnitInfo("t1", "a", 3),  # treated, periods 1..4
        UnitInfo("t2", "a", 4),  # treated later
        UnitInfo("t3", "a", 1),  # treated from the first period: no baseline
        UnitInfo("t4", "b", 3),  # observed only before its start: no follow-up
        UnitInfo("t5", "b", 9),  # starts after the last period: not yet treated
        UnitInfo("c1", "b"),
        UnitInfo("c2", "b"),  # one observation only
        UnitInfo("c3", "b"),  # none at all
    ]
    observations = [
        Observation(u, p, float(p), 8) for u in ("t1", "t2", "t3", "t5", "c1") for p in (1, 2, 3, 4)
    ]
    observations += [Observation("t4", p, 1.0, 8) for p in (1, 2)]
    observations += [Observation("c2", 1, 1.0, 8)]
    design = _panel(observations, units, left_out=3).design()
    assert design.treated_units == 2
    assert design.comparison_units == 2  # c1 and the not-yet-treated t5
    assert design.cohorts == (Cohort(3, 1), Cohort(4, 1))
    assert design.staggered
    # t1: relative −2, −1, 0, 1; t2: −3, −2, −1, 0.
    assert (design.periods_before, design.periods_after) == (3, 2)
    assert design.observations == 16
    assert design.clusters == 4
    assert design.left_out == 3
    assert dict(design.excluded) == {
        Excluded.NO_OBSERVATIONS: 1,
        Excluded.SINGLE_OBSERVATION: 1,
        Excluded.TREATED_WITHOUT_BASELINE: 1,
        Excluded.TREATED_WITHOUT_FOLLOWUP: 1,
    }


def test_frame_marks_treated_periods_and_relative_time():
    panel = _panel(
        [Observation(u, p, 1.0 + p, 5) for u in (10, "x") for p in (2, 3, 4)],
        [UnitInfo(10, "a", 3), UnitInfo("x", "a")],
    )
    frame = panel.frame()
    assert frame["unit_id"].tolist() == [10, 10, 10, "x", "x", "x"]
    assert frame["unit"].tolist() == [0, 0, 0, 1, 1, 1]
    assert frame["treated"].tolist() == [0, 1, 1, 0, 0, 0]
    assert frame["rel"].tolist()[:3] == [-1.0, 0.0, 1.0]
    assert frame["rel"].isna().tolist()[3:] == [True, True, True]
    assert frame["start"].tolist() == [3, 3, 3, 0, 0, 0]
