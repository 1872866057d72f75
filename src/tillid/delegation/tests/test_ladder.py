import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillid.delegation.ladder import risk_reduction, suggest_step

ratings = st.integers(min_value=1, max_value=4)
risk_parts = st.integers(min_value=1, max_value=3)


@pytest.mark.parametrize(
    ("c", "i", "r", "consequence", "reversibility", "expected"),
    [
        (4, 4, 4, 1, 1, 5),  # all in place, little at stake: hverdagsdirektør
        (4, 4, 4, 3, 3, 3),  # all in place, serious and irreversible: acts and informs
        (4, 4, 4, 2, 2, 4),  # moderate risk: autonomous within a frame
        (3, 4, 4, 1, 2, 4),  # weakest largely, the others fully
        (3, 3, 4, 1, 1, 3),
        (2, 4, 4, 1, 1, 2),  # weakest leg sets the start
        (4, 1, 4, 1, 1, 1),  # no intention: instructed
        (2, 2, 2, 3, 3, 1),  # never below step 1
    ],
)
def test_examples(c, i, r, consequence, reversibility, expected):
    suggestion = suggest_step(
        competence=c,
        intention=i,
        resources=r,
        consequence=consequence,
        reversibility=reversibility,
    )
    assert suggestion.step == expected
    assert suggestion.reasons


def test_explanation_names_the_weakest_precondition():
    suggestion = suggest_step(
        competence=4, intention=4, resources=2, consequence=1, reversibility=1
    )
    assert suggestion.weakest == ("resources",)
    assert "ressourcer" in suggestion.reasons[0]


def test_two_weakest_preconditions_are_named_as_a_danish_list():
    suggestion = suggest_step(
        competence=2, intention=4, resources=2, consequence=1, reversibility=1
    )
    assert suggestion.reasons[0].startswith(
        "De svageste forudsætninger er kompetence og ressourcer, hver vurderet til 2 af 4."
    )


def test_rejects_values_off_the_scale():
    with pytest.raises(ValueError, match="competence"):
        suggest_step(competence=5, intention=1, resources=1, consequence=1, reversibility=1)
    with pytest.raises(ValueError, match="reversibility"):
        suggest_step(competence=1, intention=1, resources=1, consequence=1, reversibility=0)


def test_risk_bands():
    assert [risk_reduction(r) for r in (1, 2, 3, 4, 6, 9)] == [0, 0, 1, 1, 2, 2]


@given(ratings, ratings, ratings, risk_parts, risk_parts)
def test_step_is_on_the_ladder_and_explained(c, i, r, consequence, reversibility):
    s = suggest_step(
        competence=c, intention=i, resources=r, consequence=consequence, reversibility=reversibility
    )
    assert 1 <= s.step <= 5
    assert s.step <= s.base
    assert len(s.reasons) >= 2
    if min(c, i, r) == 1:
        assert s.step == 1


@given(ratings, ratings, ratings, risk_parts, risk_parts, st.sampled_from(["c", "i", "r"]))
def test_better_preconditions_never_lower_the_step(c, i, r, consequence, reversibility, which):
    before = suggest_step(
        competence=c, intention=i, resources=r, consequence=consequence, reversibility=reversibility
    ).step
    c2, i2, r2 = (
        min(4, c + (which == "c")),
        min(4, i + (which == "i")),
        min(4, r + (which == "r")),
    )
    after = suggest_step(
        competence=c2,
        intention=i2,
        resources=r2,
        consequence=consequence,
        reversibility=reversibility,
    ).step
    assert after >= before


@given(ratings, ratings, ratings, risk_parts, risk_parts, st.booleans())
def test_more_risk_never_raises_the_step(c, i, r, consequence, reversibility, bump_consequence):
    before = suggest_step(
        competence=c, intention=i, resources=r, consequence=consequence, reversibility=reversibility
    ).step
    after = suggest_step(
        competence=c,
        intention=i,
        resources=r,
        consequence=min(3, consequence + bump_consequence),
        reversibility=min(3, reversibility + (not bump_consequence)),
    ).step
    assert after <= before
