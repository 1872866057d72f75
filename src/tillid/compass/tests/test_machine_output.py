"""`--json` and the API carry full double precision; pages keep their rounding.

A closed round with answers that leave items out, so the figures have many
digits: the JSON value must be the very float that scoring computed, and
the reliability must agree with the independent reference (psych's route).
"""

import io
import json
import random
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tillid.compass import scoring, selectors, services
from tillid.compass.instruments import spec_for
from tillid.compass.models import Response, RoleGroup, Round
from tillid.compass.tests.test_reliability_reference import TOLERANCE, reference
from tillid.organisation.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(org, instruments):
    """A closed round: 40 respondents in Team Nord, 30 in the school, answers
    spread over the scale and about one in six left out."""
    today = timezone.localdate()
    round_ = Round.objects.create(
        name="Præcision",
        instrument=instruments.employee,
        root=org.root,
        opens_on=today - timedelta(days=40),
        closes_on=today - timedelta(days=20),
        min_group=5,
        min_comment_group=8,
    )
    spec = spec_for(instruments.employee)
    rng = random.Random(4711)
    sheets = []
    for unit, n in ((org.team_north, 40), (org.primary, 30)):
        for _ in range(n):
            level = rng.gauss(3.4, 0.7)
            answers = {
                code: min(5, max(1, round(level + rng.gauss(0, 0.8))))
                for code in spec.item_codes
                if rng.random() > 0.17
            }
            sheets.append(
                services.response_sheet(
                    spec=spec,
                    round_id=round_.pk,
                    unit_id=unit.pk,
                    role_group=RoleGroup.EMPLOYEE,
                    submitted_on=round_.closes_on,
                    answers=answers,
                )
            )
    Response.objects.bulk_create(sheets)
    return round_


def _dimension_rows(round_, code):
    spec = spec_for(round_.instrument)
    members = spec.dimension_items(code)
    answers = Response.objects.filter(round=round_).values_list("answers", flat=True)
    return [
        [
            None
            if a.get(m) is None
            else scoring.item_score(a[m], low=spec.low, high=spec.high, reverse=rev)
            for m, rev in members
        ]
        for a in answers
    ], [m for m, _ in members]


def test_reliability_json_is_exact_and_matches_the_reference(varied):
    out = io.StringIO()
    call_command("compass_reliability", "--round", str(varied.pk), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["respondents"] == 70
    checked = heywood = 0
    for code, rel in report["dimensions"].items():
        rows, members = _dimension_rows(varied, code)
        direct = scoring.reliability(members, rows)
        assert rel is not None
        assert direct is not None
        # The very floats computed, not rounded ones.
        assert rel["alpha"] == direct.alpha
        assert rel["alpha_ci95"] == [direct.alpha_low, direct.alpha_high]
        assert rel["item_rest"] == direct.item_rest
        assert rel["omega_total"] == direct.omega_total
        # And psych's figures by the independent route, to 1e-9.
        frame = pd.DataFrame(np.array(rows, dtype=float), columns=members)
        assert frame.isna().to_numpy().any()
        ref = reference(frame)
        assert rel["alpha"] == pytest.approx(ref["alpha"], abs=TOLERANCE)
        assert rel["alpha_ci95"] == pytest.approx(ref["alpha_ci95"], abs=TOLERANCE)
        assert list(rel["item_rest"].values()) == pytest.approx(ref["item_rest"], abs=TOLERANCE)
        assert list(rel["loadings"].values()) == pytest.approx(ref["loadings"], abs=1e-7)
        if max(abs(x) for x in ref["loadings"]) >= 1:
            heywood += 1  # a loading of 1 or more: see scoring's docstring
            continue
        assert rel["omega_total"] == pytest.approx(ref["omega_total"], abs=TOLERANCE)
        checked += 1
    assert checked + heywood == len(spec_for(varied.instrument).dimension_codes())
    assert checked >= 10
    # Something would be lost by rounding: at least one figure has more than 4 decimals.
    assert any(
        round(rel["omega_total"], 4) != rel["omega_total"] for rel in report["dimensions"].values()
    )


def test_results_json_and_api_are_exact(client, varied, org, roles):
    results = selectors.round_results(varied)
    expected = results.score("culture", org.team_north.pk)
    assert expected is not None
    assert round(expected.mean, 2) != expected.mean
    out = io.StringIO()
    call_command("compass_results", "--round", str(varied.pk), "--json", stdout=out)
    units = {u["id"]: u for u in json.loads(out.getvalue())["units"]}
    cell = units[org.team_north.pk]["groups"]["all"]["scores"]["culture"]
    assert cell["mean"] == expected.mean
    assert cell["ci95"] == [expected.low, expected.high]
    assert cell["favourable"] == expected.favourable
    assert cell["neutral"] == expected.neutral
    assert cell["unfavourable"] == expected.unfavourable
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    api = client.get(f"/api/compass/rounds/{varied.pk}/results")
    assert api.status_code == 200
    api_units = {u["id"]: u for u in json.loads(api.content)["units"]}
    assert api_units[org.team_north.pk]["groups"]["all"]["scores"]["culture"] == cell


def test_the_reliability_page_still_rounds(client, varied, roles):
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    page = client.get(reverse("compass:round_reliability", args=[varied.pk]))
    assert page.status_code == 200
    report = selectors.reliability_report(varied)
    alpha = report["dimensions"]["culture"]["alpha"]
    body = page.content.decode()
    assert f"{alpha:.2f}".replace(".", ",") in body
    assert repr(alpha) not in body
    assert repr(alpha).replace(".", ",") not in body
