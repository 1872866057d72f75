"""A small world for the effect pages: eight care homes under Ældreområdet, four
rounds, and a decision that touched `touched` of them before the third round.
The modules' contracts are replaced by the figures made here (the providers
themselves are tested with the modules in tests/integration/)."""

import random
from datetime import date
from types import SimpleNamespace

from tillid.organisation import services
from tillid.organisation.models import UnitKind
from tillid.overview.effects import data

PERIODS = [
    (1, "Forår 2024", date(2024, 3, 1)),
    (2, "Efterår 2024", date(2024, 9, 1)),
    (3, "Forår 2025", date(2025, 3, 1)),
    (4, "Efterår 2025", date(2025, 9, 1)),
]
OUTCOME = "compass:trust"


def build(monkeypatch, org, *, touched=4, effect=8.0, hidden=(), seed=1, extra=None):
    """`extra` maps further outcomes to (label, factor): each offered with the
    trust figures times its factor, so its watch's spread is that many times the
    trust score's."""
    extra = extra or {}
    homes = [org.care_home] + [
        services.create_unit(
            external_id=f"HOME{i}",
            name=f"Plejecenter {i}",
            kind=UnitKind.INSTITUTION,
            parent=org.elder,
        )
        for i in range(1, 8)
    ]
    treated = homes[:touched]
    rng = random.Random(seed)
    level = {u.pk: rng.gauss(60, 5) for u in homes}
    values = []
    hidden_ids = {homes[i].pk for i in hidden}
    for u in homes:
        if u.pk in hidden_ids:
            continue
        for period, _label, _start in PERIODS:
            bump = effect if u in treated and period >= 3 else 0.0
            values.append(
                {
                    "unit": u.pk,
                    "period": period,
                    "value": level[u.pk] + period + bump + rng.gauss(0, 1),
                    "respondents": 12,
                }
            )
    found = {
        "kind": "decision",
        "id": 7,
        "title": "Fjerne: Dobbeltdokumentation",
        "label": "Fjerne",
        "url": "/styring/gennemgange/7/",
        "units": [(u.pk, date(2025, 1, 15), "Dobbeltdokumentation") for u in treated],
        "notes": [("Begrundelse", "Medarbejderne viste, at det kunne undværes.")],
    }

    def treatment(*, decision_id=None, trial_id=None, group=None):
        if decision_id == 7 or trial_id == 9 or group is not None:
            return dict(found, kind="trial" if trial_id else found["kind"])
        return None

    def outcome_values(outcome, unit_ids, treatment=None):
        if outcome != OUTCOME and outcome not in extra:
            return None
        factor = extra[outcome][1] if outcome in extra else 1
        return {
            "periods": PERIODS,
            "values": [dict(v, value=v["value"] * factor) for v in values if v["unit"] in unit_ids],
            "left_out": len([h for h in hidden_ids if h in unit_ids]),
        }

    monkeypatch.setattr(data, "treatment", treatment)
    monkeypatch.setattr(data, "outcome_values", outcome_values)
    choices = [(OUTCOME, "Tillidskompasset: Tillid")] + [(k, v[0]) for k, v in extra.items()]
    monkeypatch.setattr(data, "outcome_choices", lambda: choices)
    monkeypatch.setattr(data, "treatment_kinds", lambda: [("remove", "Fjerne")])
    return SimpleNamespace(homes=homes, treated=treated, values=values, found=found)
