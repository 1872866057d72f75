"""Item codes in instrument files are kept as written; case-only twins are refused."""

import io

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from tillid.compass import instruments as files
from tillid.compass import services
from tillid.compass.models import Instrument, Item


def upper_case_instrument(codes=("A1", "A2", "A3", "B1", "B2", "B3")) -> dict:
    text = {"da": "Spørgsmål", "en": "Question"}
    return {
        "code": "upper",
        "version": 1,
        "kind": "employee",
        "name": {"da": "Store bogstaver", "en": "Upper case"},
        "scale": {
            "min": 1,
            "max": 3,
            "labels": [{"value": v, "da": f"{v}", "en": f"{v}"} for v in (1, 2, 3)],
            "dont_know": {"da": "Ved ikke", "en": "Don't know"},
        },
        "items": [{"code": c, **text} for c in codes],
        "dimensions": [
            {
                "code": "first",
                "family": "compass",
                "name": {"da": "Første", "en": "First"},
                "items": list(codes[:3]),
            },
            {
                "code": "second",
                "family": "compass",
                "name": {"da": "Anden", "en": "Second"},
                "items": list(codes[3:]),
            },
        ],
    }


@pytest.mark.django_db
def test_upper_case_codes_are_kept_as_written():
    instrument, created = services.import_instrument(data=upper_case_instrument())
    assert created
    assert list(Item.objects.filter(instrument=instrument).values_list("code", flat=True)) == [
        "A1",
        "A2",
        "A3",
        "B1",
        "B2",
        "B3",
    ]
    spec = files.spec_for(instrument)
    assert spec.item_codes == ("A1", "A2", "A3", "B1", "B2", "B3")
    assert [m for m, _ in spec.dimension_items("first")] == ["A1", "A2", "A3"]
    # Answers keyed by the codes as written pack and score.
    assert files.pack_answers(spec, {"A1": 3, "B3": 1}) == "2----0"


@pytest.mark.django_db
def test_codes_that_differ_only_in_case_are_an_error_in_danish(tmp_path):
    data = upper_case_instrument(codes=("A1", "a1", "A3", "B1", "B2", "B3"))
    with translation.override("da"):
        errors = files.validate(data)
    assert any("A1, a1" in e and "kun ved store og små bogstaver" in e for e in errors), errors
    path = tmp_path / "upper.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with translation.override("da"), pytest.raises(CommandError, match="A1, a1"):
        call_command("compass_import_instrument", str(path), stdout=io.StringIO())
    assert not Instrument.objects.filter(code="upper").exists()
    assert not Item.objects.filter(code__in=["A1", "a1"]).exists()


def test_a_dimension_naming_an_item_in_the_wrong_case_gets_a_hint():
    data = upper_case_instrument()
    data["dimensions"][0]["items"] = ["a1", "A2", "A3"]
    with translation.override("da"):
        errors = files.validate(data)
    assert any("ukendte" in e and "a1" in e for e in errors), errors
    assert any("A1" in e and "a1" in e for e in errors if "ukendte" not in e), errors
