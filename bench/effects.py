"""Benchmark: the effect page's estimate for a group of 50 decisions, bootstrap included.

Budget (issue 12): an effect page for a group of 50 decisions on a
45,000-employee municipality with four rounds in under 2 s, including the
bootstrap. For now on synthetic data of that size (the overview will read
the database later): 3,500 units in 14 areas, one trust score per unit and
round (unit level, round shock, noise; unit-rounds under five respondents
hidden, as the anonymity engine would); 50 decisions each touch one
institution-sized block of 4-10 units of an area, in force from round 2, 3
or 4 (staggered), with a true effect of +3 points.

What is measured (`grade.assess_effect`: the panel built and validated from
plain records, the estimate, its inference, the placebo pre-trend check, the
event study and the grade), best of 3 after one warm-up call, wall clock
(the budget) and this process's CPU time (what an idle machine would show):
  whole     every untouched unit as comparison (3,500 clusters): above the
            bootstrap's limit, so the cluster-robust t interval.
  limit     the largest design the wild cluster bootstrap takes
            (`max_bootstrap_clusters`, 300 units: the touched ones and
            untouched ones of their areas), 999 draws, and the placebo's too.
The first call in a process (pyfixest's import, numba compiling the
bootstrap kernel) is printed apart: a web process pays it once.

Baseline, in the same run: the naive bootstrap, a hand loop that re-fits
the pyfixest regression for each of the 999 wild draws (y* = fit + residual
× a Rademacher weight per unit). It runs a sample of draws (--sample,
default 20) and is extrapolated to 999. The ratios printed are baseline
time divided by measured time.

    .venv/bin/python bench/effects.py [--units 3500] [--decisions 50] [--rounds 4]
    .venv/bin/python bench/effects.py --page [--database-url postgres://...]

With --page, the whole group effect page (/overblik/virkning/gruppe/) is
timed instead, through Django's test client on a scratch database: the
3,500 units stored as institutions in 14 areas under two forvaltninger, the
50 decisions and the compass figures handed over as the contracts would
("effects.treatments", "effects.outcome_values": the providers replaced by
the synthetic figures, so the time is the overview's own: units and
comparison chosen in the database, panel, estimate with bootstrap or
clustered interval, grade, chart and table rendered). Baseline: the same
page's estimate by the naive bootstrap (re-fitting 999 times).
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

BUDGET_S = 2.0
AREAS = 14
DRAWS = 999


def municipality(units: int, decisions: int, rounds: int, seed: int):
    """Records as a contract would return them: observations and units."""
    rng = np.random.default_rng(seed)
    area = np.sort(rng.integers(0, AREAS, units))  # units of an area lie together
    start = np.zeros(units, dtype=int)
    for _ in range(decisions):
        first = int(rng.integers(0, units - 10))
        size = int(rng.integers(4, 11))
        block = slice(first, first + size)
        begins = int(rng.integers(2, rounds + 1))
        # A unit touched by several decisions counts from the first.
        start[block] = np.where(start[block] == 0, begins, np.minimum(start[block], begins))
    level = rng.normal(60, 8, units)
    shock = rng.normal(0, 2, rounds + 1)
    staff = rng.integers(3, 40, units)
    observations, shown = [], set()
    for u in range(units):
        for r in range(1, rounds + 1):
            respondents = int(rng.binomial(staff[u], 0.8))
            if respondents < 5:  # the anonymity engine hides this unit-round
                continue
            shown.add(u)
            value = (
                level[u] + shock[r] + rng.normal(0, 4) + (3.0 if start[u] and r >= start[u] else 0)
            )
            observations.append(
                {"unit": u, "period": r, "value": float(value), "respondents": respondents}
            )
    # Units hidden in every round are left out altogether; the page says how many.
    unit_rows = [
        {"unit": u, "group": f"area-{area[u]}", "first_treated": int(start[u]) or None}
        for u in range(units)
        if u in shown
    ]
    return observations, unit_rows, units - len(shown)


def limited(observations, unit_rows, clusters: int, seed: int):
    """The touched units and untouched ones of their areas, up to `clusters` units."""
    rng = np.random.default_rng(seed)
    touched = [u["unit"] for u in unit_rows if u["first_treated"]]
    areas = {u["group"] for u in unit_rows if u["first_treated"]}
    others = [u["unit"] for u in unit_rows if not u["first_treated"] and u["group"] in areas]
    keep = set(touched[: clusters // 3])
    keep |= set(rng.choice(others, clusters - len(keep), replace=False).tolist())
    return [o for o in observations if o["unit"] in keep], [
        u for u in unit_rows if u["unit"] in keep
    ]


def assess(observations, unit_rows, left_out: int):
    from tillid.overview.effects.grade import assess_effect
    from tillid.overview.effects.panel import Panel

    panel = Panel.from_records(
        outcome="compass.culture", observations=observations, units=unit_rows, left_out=left_out
    )
    return assess_effect(panel)


def timed(observations, unit_rows, left_out: int, runs: int = 3):
    """Best of `runs`: wall-clock seconds and this process's CPU seconds."""
    times = []
    for _ in range(runs):
        t, cpu = time.perf_counter(), time.process_time()
        evidence = assess(observations, unit_rows, left_out)
        times.append((time.perf_counter() - t, time.process_time() - cpu))
    return min(times), evidence


def naive_bootstrap(observations, unit_rows, sample: int, seed: int) -> float:
    """Seconds for DRAWS wild draws by re-fitting, extrapolated from `sample` draws."""
    import pyfixest as pf

    from tillid.overview.effects.estimate import _layout, fit_main
    from tillid.overview.effects.panel import Panel

    panel = Panel.from_records(outcome="x", observations=observations, units=unit_rows)
    frame = panel.frame()
    layout = _layout(frame, panel.design().cohorts)
    fit = fit_main(frame, layout)
    data = frame[["unit", "period", "treated"]].join(layout.cells)
    fitted, residual = fit.predict(), fit.resid()
    rng = np.random.default_rng(seed)
    units = frame["unit"].to_numpy()
    formula = f"y ~ {' + '.join(layout.regressors)} | unit + period"
    t = time.perf_counter()
    for _ in range(sample):
        weights = rng.choice([-1.0, 1.0], size=units.max() + 1)
        data["y"] = fitted + residual * weights[units]
        pf.feols(formula, data=data, vcov={"CRV1": "unit"}).tstat()
    return (time.perf_counter() - t) / sample * DRAWS


def page(args) -> int:
    """The whole group effect page, timed through the test client (see --page)."""
    from datetime import date, timedelta

    sys.path.insert(0, str(ROOT))
    from bench.scratch import setup_django

    description, cleanup = setup_django(args.database_url, testing=True)
    try:
        return _page(args, description, date, timedelta)
    finally:
        cleanup()


def _page(args, description, date, timedelta) -> int:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tillid.organisation import services
    from tillid.organisation.models import Role, RoleGrant, Unit, UnitKind
    from tillid.overview.effects import data

    observations, unit_rows, left_out = municipality(
        args.units, args.decisions, args.rounds, args.seed
    )
    t = time.perf_counter()
    root = services.create_unit(external_id="K", name="Kommune", kind=UnitKind.MUNICIPALITY)
    admins = [
        services.create_unit(
            external_id=f"F{i}", name=f"Forvaltning {i}", kind=UnitKind.ADMINISTRATION, parent=root
        )
        for i in range(2)
    ]
    areas = [
        services.create_unit(
            external_id=f"O{i}", name=f"Område {i}", kind=UnitKind.AREA, parent=admins[i % 2]
        )
        for i in range(AREAS)
    ]
    area_of = {u["unit"]: int(u["group"].split("-")[1]) for u in unit_rows}
    rows = Unit.objects.bulk_create(
        Unit(
            external_id=f"I{u}",
            name=f"Institution {u}",
            kind=UnitKind.INSTITUTION,
            parent=areas[area_of.get(u, 0)],
            depth=3,
        )
        for u in range(args.units)
    )
    for row in rows:
        row.path = f"{row.parent.path}{row.pk}/"
    Unit.objects.bulk_update(rows, ["path"], batch_size=1000)
    pk = {u: row.pk for u, row in enumerate(rows)}
    user = get_user_model().objects.create_user("konsulent-bench", password="x")
    RoleGrant.objects.create(user=user, role=Role.CONSULTANT, unit=None)
    print(f"Stored {args.units} units in {time.perf_counter() - t:.1f} s ({description})")

    first = date(2023, 3, 1)
    periods = [
        (r, f"Runde {r}", first + timedelta(days=180 * (r - 1))) for r in range(1, args.rounds + 1)
    ]
    starts = {u["unit"]: u["first_treated"] for u in unit_rows if u["first_treated"]}
    found = {
        "kind": "group",
        "id": None,
        "title": "",
        "label": "",
        "url": "",
        "units": [(pk[u], periods[s - 1][2] - timedelta(days=30), "") for u, s in starts.items()],
        "notes": [],
    }
    by_pk = [dict(o, unit=pk[o["unit"]]) for o in observations]

    def outcome_values(outcome, unit_ids):
        wanted = set(unit_ids)
        return {
            "periods": periods,
            "values": [o for o in by_pk if o["unit"] in wanted],
            "left_out": left_out,
        }

    data.treatment = lambda **kwargs: found
    data.outcome_values = outcome_values
    data.outcome_choices = lambda: [("compass:culture", "Tillidskultur")]
    data.treatment_kinds = lambda: [("remove", "Fjerne")]

    setup_test_environment()  # so that the response carries its context
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    failed = False
    figures = {}
    for comparison in ("area", "kind"):
        url = (
            "/overblik/virkning/gruppe/?decision=remove&area=&year=&outcome=compass:culture"
            f"&comparison={comparison}"
        )
        client.get(url)  # warm-up: imports, numba
        times = []
        for _ in range(3):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
        effect = response.context["effect"]
        evidence = effect.evidence
        estimate = evidence.estimate
        panel = effect.panel
        baseline = naive_bootstrap(
            [
                {"unit": o.unit, "period": o.period, "value": o.value, "respondents": o.respondents}
                for o in panel.observations
            ],
            [
                {"unit": u.unit, "group": u.group, "first_treated": u.first_treated}
                for u in panel.units
            ],
            args.sample,
            args.seed,
        )
        measured = min(times)
        print(
            f"page, comparison {comparison}: {len(effect.treated)} touched and "
            f"{len(effect.comparison_units)} comparison units, {estimate.inference}, grade "
            f"{evidence.grade}; {measured:.2f} s (budget {BUDGET_S} s); naive bootstrap "
            f"re-fitting {DRAWS} times {baseline:.1f} s; ratio {baseline / measured:.0f}x"
        )
        failed |= measured > BUDGET_S
        figures[f"page_{comparison}_s"] = round(measured, 3)
    print(json.dumps(figures))
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=3_500)
    parser.add_argument("--decisions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=45)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--page", action="store_true", help="time the whole group effect page")
    parser.add_argument("--database-url", help="PostgreSQL for --page (default: SQLite)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.page:
        return page(args)

    t = time.perf_counter()
    observations, unit_rows, left_out = municipality(
        args.units, args.decisions, args.rounds, args.seed
    )
    touched = sum(1 for u in unit_rows if u["first_treated"])
    print(
        f"Built {args.units} units, {len(observations)} unit-rounds, {touched} units touched "
        f"by {args.decisions} decisions, {left_out} units left out (under five respondents in "
        "every round), in "
        f"{time.perf_counter() - t:.1f} s"
    )
    from tillid.overview.effects.estimate import EffectSettings

    cap = EffectSettings().max_bootstrap_clusters
    small_obs, small_units = limited(observations, unit_rows, cap, args.seed)

    t = time.perf_counter()
    assess(small_obs, small_units, 0)
    cold = time.perf_counter() - t
    print(f"First call in a process (imports, numba compiling the bootstrap): {cold:.2f} s")

    failed = False
    figures = {}
    for name, obs, units_, out in (
        ("whole", observations, unit_rows, left_out),
        ("limit", small_obs, small_units, 0),
    ):
        (measured, cpu), evidence = timed(obs, units_, out)
        estimate = evidence.estimate
        baseline = naive_bootstrap(obs, units_, args.sample, args.seed)
        design = evidence.design
        print(
            f"{name}: {design.treated_units} treated and {design.comparison_units} comparison "
            f"units, {estimate.inference}"
            + (f" ({estimate.bootstrap_draws} draws)" if estimate.bootstrap_draws else "")
            + f": estimate {estimate.estimate:.3f} [{estimate.ci_low:.3f}, {estimate.ci_high:.3f}]"
            f", grade {evidence.grade}; {measured:.2f} s (CPU {cpu:.2f} s; budget {BUDGET_S} s); "
            "naive bootstrap "
            f"re-fitting {DRAWS} times {baseline:.1f} s (extrapolated from {args.sample}); ratio "
            f"{baseline / measured:.0f}x"
        )
        failed |= measured > BUDGET_S
        figures[f"{name}_s"] = round(measured, 3)
    figures["cold_s"] = round(cold, 3)
    print(json.dumps(figures))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
