from types import SimpleNamespace

from tillid.compass.models import Family
from tillid.compass.selectors import DimensionRow, strongest_and_weakest


def row(code: str, mean: float | None) -> DimensionRow:
    score = None if mean is None else SimpleNamespace(mean=mean)
    return DimensionRow(code, code, Family.COMPASS, score, None, None, None, None, None)


def test_strongest_and_weakest_are_named_when_they_differ():
    strongest, weakest = strongest_and_weakest(
        [row("a", 71.0), row("b", 64.2), row("c", 58.9), row("d", None)]
    )
    assert (strongest.code, weakest.code) == ("a", "c")


def test_nothing_is_named_when_all_elements_read_the_same():
    assert strongest_and_weakest([row(c, 62.2 + i / 10) for i, c in enumerate("abcd")]) == (
        None,
        None,
    )
