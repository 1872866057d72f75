import json
from io import StringIO

import pandas as pd
import pyfixest
import pytest
from django.core.management import CommandError, call_command

from tillid.overview.tests import effect_world

pytestmark = pytest.mark.django_db


def test_the_command_estimate_equals_pyfixest_on_the_same_data(org, monkeypatch):
    effect_world.build(monkeypatch, org)
    out = StringIO()
    call_command(
        "effect", "--decision", "7", "--outcome", effect_world.OUTCOME, "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["grade"] in ("indication", "clear_evidence")
    start = {u["unit"]: u["first_treated"] for u in result["units"]}
    frame = pd.DataFrame(result["observations"])
    frame["treated"] = [
        int(start[u] is not None and p >= start[u])
        for u, p in zip(frame["unit"], frame["period"], strict=True)
    ]
    fit = pyfixest.feols(
        "value ~ treated | unit + period",
        data=frame,
        vcov={"CRV1": "unit"},
        demeaner=pyfixest.MapDemeaner(fixef_tol=1e-12),
    )
    estimate = result["evidence"]["estimate"]
    assert estimate["estimate"] == pytest.approx(float(fit.coef()["treated"]), abs=1e-9)
    assert estimate["ci_low"] < estimate["estimate"] < estimate["ci_high"]
    assert result["left_out"] == 0


def test_the_command_says_cannot_tell_without_an_estimate(org, monkeypatch):
    effect_world.build(monkeypatch, org, touched=2)
    out = StringIO()
    call_command("effect", "--trial", "9", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["grade"] == "cannot_tell"
    assert result["evidence"]["estimate"] is None
    text = StringIO()
    call_command("effect", "--trial", "9", stdout=text)
    assert "For få data" in text.getvalue()


def test_the_command_refuses_an_unknown_decision(org, monkeypatch):
    effect_world.build(monkeypatch, org)
    with pytest.raises(CommandError):
        call_command("effect", "--decision", "999")
