"""What the trust compass offers the overview's effect pages (contracts "effects.*").

Per unit subtree and closed round, the score of one element or dimension and
its respondents, read from `round_results`: the cells the anonymity engine
hides there are not handed over, and the units hidden in a round are counted.
"""

from tillid.compass.models import Dimension, InstrumentKind, Round
from tillid.compass.selectors import round_results

PREFIX = "compass:"


def outcomes() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    dimensions = (
        Dimension.objects.filter(
            instrument__kind=InstrumentKind.EMPLOYEE, instrument__rounds__isnull=False
        )
        .distinct()
        .order_by("instrument__code", "-instrument__version", "order")
    )
    for d in dimensions:
        seen.setdefault(d.code, f"{d.get_family_display()}: {d.name}")
    return [(PREFIX + code, label) for code, label in seen.items()]


def outcome_values(
    *, outcome: str, unit_ids: list[int], treatment: dict | None = None
) -> dict | None:
    # `treatment` (what a decision touched) does not change a compass score.
    if not outcome.startswith(PREFIX):
        return None
    code = outcome.removeprefix(PREFIX)
    rounds = [
        r
        for r in Round.objects.filter(
            instrument__kind=InstrumentKind.EMPLOYEE, instrument__dimensions__code=code
        )
        .select_related("instrument", "root")
        .order_by("opens_on", "pk")
        .distinct()
        if r.is_closed
    ]
    periods, values, hidden = [], [], set()
    for period, round_ in enumerate(rounds, start=1):
        periods.append((period, round_.name, round_.opens_on))
        results = round_results(round_)
        for uid in unit_ids:
            if uid not in results.position:
                continue  # no one answered in or below the unit
            acc = results.accumulator(code, uid)
            respondents = results.count(uid)
            if acc is None or respondents is None:
                hidden.add(uid)
                continue
            values.append(
                {
                    "unit": uid,
                    "period": period,
                    "value": float(acc.result().mean),
                    "respondents": int(respondents),
                }
            )
    return {"periods": periods, "values": values, "left_out": len(hidden)}
