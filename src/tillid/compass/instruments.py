"""Reading and checking instrument files, and a light view of a stored instrument.

An instrument file is YAML (JSON, being YAML too, is also read): code,
version, kind, name/description in da and en,
a response scale with labels and a "don't know" option, dimensions each
listing their item codes (an item may serve several dimensions), and items
with code, Danish and English text and reverse keying. See
instruments/tillidskompas-v1.yaml. Item codes are kept exactly as written
(`A1` stays `A1`); two codes that differ only in case are an error, since a
response file's columns are matched without regard to case.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from django.utils.translation import gettext as _

from tillid.compass.models import Family, Instrument, InstrumentKind

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
DEFAULT_FILES = ("tillidskompas-v1.yaml", "tillidskompas-leder-v1.yaml")
DEFAULT_CODE = "tillidskompas"
DEFAULT_LEADER_CODE = "tillidskompas-leder"


class InstrumentFileError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def checksum(data: dict) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def parse(content: bytes | str) -> dict:
    try:
        data = yaml.safe_load(content)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InstrumentFileError(
            [_("The file is not valid YAML: %(error)s") % {"error": exc}]
        ) from exc
    if not isinstance(data, dict):
        raise InstrumentFileError(
            [_("The file must describe one instrument (a YAML mapping at the top level).")]
        )
    return data


def _text_pair(value, where: str, errors: list[str]) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value.get(lang).strip() for lang in ("da", "en")
    ):
        errors.append(
            _("%(where)s needs a Danish and an English text (da, en).") % {"where": where}
        )


def validate(data: dict) -> list[str]:
    """Every problem in an instrument file, in Danish; empty when it is sound."""
    errors: list[str] = []
    code = data.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 60:
        errors.append(_("The instrument needs a code (at most 60 characters)."))
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.append(_("The version must be a whole number of at least 1."))
    if data.get("kind", InstrumentKind.EMPLOYEE) not in InstrumentKind.values:
        errors.append(_("The kind must be “employee” or “leader”."))
    _text_pair(data.get("name"), _("The name"), errors)
    scale = data.get("scale")
    if not isinstance(scale, dict):
        errors.append(_("The instrument needs a response scale."))
    else:
        low, high = scale.get("min"), scale.get("max")
        if not (isinstance(low, int) and isinstance(high, int) and high - low >= 1):
            errors.append(_("The scale needs whole-number min and max, with max above min."))
        elif high - low > MAX_SCALE_STEPS:
            errors.append(
                _("The scale can have at most %(n)s values.") % {"n": MAX_SCALE_STEPS + 1}
            )
        else:
            labels = scale.get("labels") or []
            values = [lab.get("value") for lab in labels if isinstance(lab, dict)]
            if sorted(v for v in values if isinstance(v, int)) != list(range(low, high + 1)):
                errors.append(
                    _("The scale needs exactly one label for every value from min to max.")
                )
            for lab in labels:
                _text_pair(lab, _("A scale label"), errors)
        _text_pair(scale.get("dont_know"), _("The “don't know” option"), errors)
    items = data.get("items")
    item_codes: list[str] = []
    if not isinstance(items, list) or not items:
        errors.append(_("The instrument needs a list of items."))
        items = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item["code"]:
            errors.append(_("Item %(number)s has no code.") % {"number": number})
            continue
        item_codes.append(item["code"])
        _text_pair(item, _("Item %(code)s") % {"code": item["code"]}, errors)
        if not isinstance(item.get("reverse", False), bool):
            errors.append(
                _("Item %(code)s: “reverse” must be true or false.") % {"code": item["code"]}
            )
    duplicates = sorted({c for c in item_codes if item_codes.count(c) > 1})
    if duplicates:
        errors.append(_("Item codes used twice: %(codes)s.") % {"codes": ", ".join(duplicates)})
    # Codes are kept as written (A1 stays A1), but a response file's column
    # headers are matched without regard to case, so A1 and a1 would collide.
    by_folded: dict[str, list[str]] = {}
    for c in dict.fromkeys(item_codes):
        by_folded.setdefault(c.casefold(), []).append(c)
    for same in by_folded.values():
        if len(same) > 1:
            errors.append(
                _(
                    "The item codes %(codes)s differ only in upper and lower case. Give them "
                    "codes that differ in more than that: a response file's columns are "
                    "matched without regard to case."
                )
                % {"codes": ", ".join(same)}
            )
    dimensions = data.get("dimensions")
    if not isinstance(dimensions, list) or not dimensions:
        errors.append(_("The instrument needs a list of dimensions."))
        dimensions = []
    dim_codes = []
    used: set[str] = set()
    for number, dim in enumerate(dimensions, start=1):
        if not isinstance(dim, dict) or not isinstance(dim.get("code"), str) or not dim["code"]:
            errors.append(_("Dimension %(number)s has no code.") % {"number": number})
            continue
        dim_codes.append(dim["code"])
        where = _("Dimension %(code)s") % {"code": dim["code"]}
        _text_pair(dim.get("name"), where, errors)
        if dim.get("family") not in Family.values:
            errors.append(
                _("%(where)s: the family must be one of %(families)s.")
                % {"where": where, "families": ", ".join(Family.values)}
            )
        members = dim.get("items")
        if not isinstance(members, list):
            members = []
        if len(members) < 3:
            errors.append(_("%(where)s needs at least three items.") % {"where": where})
        unknown = [m for m in members if m not in item_codes]
        if unknown:
            errors.append(
                _("%(where)s names unknown items: %(codes)s.")
                % {"where": where, "codes": ", ".join(map(str, unknown))}
            )
            folded = {c.casefold(): c for c in item_codes}
            for m in unknown:
                if isinstance(m, str) and m.casefold() in folded:
                    errors.append(
                        _(
                            "%(where)s: write %(code)s as the item is written, %(item)s "
                            "(codes are kept with their upper and lower case)."
                        )
                        % {"where": where, "code": m, "item": folded[m.casefold()]}
                    )
        used.update(m for m in members if isinstance(m, str))
    if len(set(dim_codes)) != len(dim_codes):
        errors.append(_("Two dimensions have the same code."))
    orphans = [c for c in item_codes if c not in used]
    if orphans:
        errors.append(
            _("Items that belong to no dimension: %(codes)s.") % {"codes": ", ".join(orphans)}
        )
    return errors


@dataclass(frozen=True)
class Spec:
    """A stored instrument as plain data, for scoring and forms."""

    instrument_id: int
    low: int
    high: int
    items: tuple[tuple[str, bool], ...]  # (code, reverse) in order
    dimensions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (code, family, item codes)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.items)

    def dimension_items(self, code: str) -> list[tuple[str, bool]]:
        reverse = dict(self.items)
        for dim_code, _family, members in self.dimensions:
            if dim_code == code:
                return [(m, reverse[m]) for m in members]
        return []

    def dimension_codes(self, family: str | None = None) -> list[str]:
        return [c for c, f, _ in self.dimensions if family is None or f == family]


_SPECS: dict[tuple[int, str], Spec] = {}

# A packed answer sheet (`pack_answers`) has one character per item: "0" + the
# answer's step above the scale's minimum, or "-" where the item has no answer.
MAX_SCALE_STEPS = 20
_ZERO, _NO_ANSWER = ord("0"), "-"


def pack_answers(spec: Spec, answers: Mapping[str, int]) -> str:
    """The answers as one short string in the instrument's item order.

    Stored beside the answers (Response.packed), so a round's results read
    tens of thousands of sheets without decoding JSON; see `unpack_answers`.
    """
    out = []
    for code, _reverse in spec.items:
        value = answers.get(code)
        if value is None:
            out.append(_NO_ANSWER)
        elif spec.low <= value <= spec.high:
            out.append(chr(_ZERO + value - spec.low))
        else:
            raise ValueError(f"{code}={value} is outside the scale")
    return "".join(out)


def unpack_answers(spec: Spec, packed: Sequence[str]) -> np.ndarray:
    """Packed sheets as a float matrix (sheets × items), NaN where not answered."""
    width = len(spec.items)
    if not packed:
        return np.empty((0, width))
    raw = np.frombuffer("".join(packed).encode("ascii"), dtype=np.uint8).reshape(-1, width)
    values = raw.astype(float) - _ZERO + spec.low
    values[raw == ord(_NO_ANSWER)] = np.nan
    return values


def answer_matrix(spec: Spec, answers: Sequence[Mapping[str, int]]) -> np.ndarray:
    """The same matrix from answer dicts (sheets stored before packing existed)."""
    codes = spec.item_codes
    # numpy reads None as NaN in a float array.
    matrix = np.array([list(map(a.get, codes)) for a in answers], dtype=float)
    return matrix.reshape(len(answers), len(codes))


def spec_for_key(instrument_id: int, checksum: str) -> Spec:
    """The spec of an instrument known by id and checksum, loaded only if not yet cached."""
    found = _SPECS.get((instrument_id, checksum))
    if found is None:
        found = spec_for(Instrument.objects.get(pk=instrument_id))
    return found


def spec_for(instrument: Instrument) -> Spec:
    key = (instrument.pk, instrument.checksum)
    if key not in _SPECS:
        data = instrument.source
        _SPECS[key] = Spec(
            instrument_id=instrument.pk,
            low=instrument.scale["min"],
            high=instrument.scale["max"],
            items=tuple((i["code"], bool(i.get("reverse", False))) for i in data["items"]),
            dimensions=tuple(
                (d["code"], d["family"], tuple(d["items"])) for d in data["dimensions"]
            ),
        )
    return _SPECS[key]
