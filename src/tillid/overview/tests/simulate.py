"""Simulated panels with a known effect, for the effect tests and the benchmark."""

import numpy as np

from tillid.overview.effects.panel import Observation, Panel, UnitInfo


def simulate_panel(
    *,
    seed: int,
    treated: int = 8,
    comparison: int = 16,
    periods: int = 5,
    starts: tuple[int, ...] = (3,),
    effect: float = 0.0,
    pre_trend: float = 0.0,
    noise: float = 1.0,
    missing: float = 0.0,
    groups: int = 2,
    outcome: str = "compass.culture",
) -> Panel:
    """Units 0..treated-1 are treated, spread evenly over `starts`; the rest never.

    value = unit level + common period shock + effect (from the start on)
    + pre_trend × (period − start) for treated units before their start (a
    differential trend that stops at the start) + noise. `missing` drops that
    share of unit-periods at random (as suppression would)."""
    rng = np.random.default_rng(seed)
    n = treated + comparison
    level = rng.normal(50, 5, n)
    shock = rng.normal(0, 1, periods + 1)
    units, observations = [], []
    for u in range(n):
        start = starts[u % len(starts)] if u < treated else None
        units.append(UnitInfo(u, f"area-{u % groups}", start))
        for p in range(1, periods + 1):
            if missing and rng.random() < missing:
                continue
            value = level[u] + shock[p] + rng.normal(0, noise)
            if start is not None:
                value += effect if p >= start else pre_trend * (p - start)
            observations.append(Observation(u, p, float(value), int(rng.integers(5, 40))))
    return Panel(outcome=outcome, observations=observations, units=units)
