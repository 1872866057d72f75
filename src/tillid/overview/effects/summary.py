"""The "Effects and inequality" panel of the overview and the council report.

One page model for both: the inequality watch of each measure in
`settings.TILLID_INEQUALITY_MEASURES` that a module offers (the trust score,
freed hours, trials, trust-dosing steps) over the institutions of the chosen
scope, said in words, and the evidence grade of each four-F decision decided
in the period (against the trust compass's first outcome). Every figure comes from `data.watch_data` and
`data.effect_data`, where the anonymity rules already apply; nothing here
counts people. The texts are plain strings, so the panel can be cached.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tillid.organisation.models import Unit, UnitKind
from tillid.organisation.permissions import Scope
from tillid.overview.effects import data
from tillid.overview.effects.grade import Grade
from tillid.overview.effects.wording import FLAG_TEXT, GRADE_LABELS, reason_text

WATCH_KIND = UnitKind.INSTITUTION
# In TILLID_INEQUALITY_MEASURES: the trust compass's first outcome, whatever its key.
FIRST_COMPASS = "compass:*first*"
# The order the grades are counted in, the strongest evidence first.
GRADE_ORDER = (
    Grade.CLEAR_EVIDENCE,
    Grade.INDICATION,
    Grade.NO_EFFECT_FOUND,
    Grade.INCONCLUSIVE,
    Grade.CANNOT_TELL,
)


def _count_text(grade: str, n: int) -> str:
    texts = {
        Grade.CLEAR_EVIDENCE: ngettext("%(n)s with clear evidence", "%(n)s with clear evidence", n),
        Grade.INDICATION: ngettext("%(n)s with an indication", "%(n)s with an indication", n),
        Grade.NO_EFFECT_FOUND: ngettext(
            "%(n)s with no effect found", "%(n)s with no effect found", n
        ),
        Grade.INCONCLUSIVE: ngettext("%(n)s inconclusive", "%(n)s inconclusive", n),
        Grade.CANNOT_TELL: ngettext("%(n)s cannot be told", "%(n)s cannot be told", n),
    }
    return texts[grade] % {"n": n}


@dataclass(frozen=True)
class DecisionGrade:
    decision_id: int
    title: str
    decided_on: date
    grade: str
    grade_label: str
    why: str  # the grade's first reason, in words
    url: str  # the decision's effect page


@dataclass(frozen=True)
class GradeCount:
    grade: str
    label: str
    count: int
    text: str  # e.g. "2 med klar evidens"


@dataclass
class Watch:
    """The inequality watch of one measure, in words."""

    outcome: str
    label: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    no_watch: str = ""  # why there is no watch ("" when there is one)
    url: str = ""  # the full watch page


@dataclass
class EffectPanel:
    outcome: str  # the outcome the decisions are graded on
    outcome_label: str
    watches: list[Watch] = field(default_factory=list)  # one per measure, in settings' order
    decisions: list[DecisionGrade] = field(default_factory=list)
    counts: list[GradeCount] = field(default_factory=list)
    group_url: str = ""

    @property
    def summary(self) -> str:
        """The grades counted in words: "2 med klar evidens, 1 med et tegn, …"."""
        return ", ".join(c.text for c in self.counts)

    # The first watch (the trust score), as the panel showed it before there were several.
    @property
    def facts(self) -> list[tuple[str, str]]:
        return self.watches[0].facts if self.watches else []

    @property
    def flags(self) -> list[str]:
        return self.watches[0].flags if self.watches else []

    @property
    def no_watch(self) -> str:
        return self.watches[0].no_watch if self.watches else ""

    @property
    def watch_url(self) -> str:
        return self.watches[0].url if self.watches else ""


def watched_measures(outcomes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The measures of TILLID_INEQUALITY_MEASURES that a module offers, in that
    order, with their labels; the others are skipped."""
    offered = dict(outcomes)
    first = next((key for key, _label in outcomes if key.startswith("compass:")), None)
    chosen: list[tuple[str, str]] = []
    for key in getattr(settings, "TILLID_INEQUALITY_MEASURES", [FIRST_COMPASS]):
        key = first if key == FIRST_COMPASS else key
        if key is not None and key in offered and key not in dict(chosen):
            chosen.append((key, str(offered[key])))
    return chosen


def _watch(
    *, outcome: str, label: str, unit: Unit | None, within: Unit | None, scope: Scope,
    touched: set[int], draws: int,
) -> Watch:  # fmt: skip
    found = Watch(outcome=outcome, label=label)
    watch = data.watch_data(
        outcome=outcome, within=unit, kind=WATCH_KIND, scope=scope, draws=draws, touched=touched
    )
    if watch.watch is None:
        found.no_watch = _("There are not yet figures from two periods for these units.")
    else:
        found.facts = _watch_facts(watch)
        found.flags = [str(FLAG_TEXT[f]) for f in watch.watch.flags]
    found.url = (
        reverse("overview:effect_inequality")
        + "?"
        + urlencode(
            {"outcome": outcome, "within": str(within.pk) if within else "", "kind": WATCH_KIND}
        )
    )
    return found


def _n(value: float | None) -> str:
    # Django's number_format cuts the decimals off (5,29 would read 5,2): round first.
    return "–" if value is None else number_format(round(value, 1), 1, use_l10n=True)


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _n(value)


def _watch_facts(watch: data.WatchData) -> list[tuple[str, str]]:
    w = watch.watch
    assert w is not None
    before, after = watch.before_label, watch.after_label
    facts = [
        (
            _("Units compared"),
            ngettext(
                "%(n)s institution in %(after)s", "%(n)s institutions in %(after)s", watch.units
            )
            % {"n": watch.units, "after": after},
        ),
        (
            _("Standard deviation"),
            _("%(before)s in %(first)s, %(after)s in %(last)s")
            % {"before": _n(w.before.sd), "first": before, "after": _n(w.after.sd), "last": after},
        ),
        (
            _("Gap between the top and bottom fifth"),
            _("%(before)s in %(first)s, %(after)s in %(last)s")
            % {
                "before": _n(w.before.fifth_gap),
                "first": before,
                "after": _n(w.after.fifth_gap),
                "last": after,
            },
        ),
    ]
    gap = w.gap_change
    if gap.change is None:
        change = _("Too few units seen in both periods.")
    else:
        change = _("%(change)s (interval %(low)s to %(high)s): %(verdict)s") % {
            "change": _signed(gap.change),
            "low": _n(gap.ci_low),
            "high": _n(gap.ci_high),
            "verdict": _("the gap has widened")
            if gap.widening
            else _("no clear widening of the gap"),
        }
    facts.append((_("Change in the fifth gap"), change))
    away = w.pulling_away
    if away is None:
        pulling = _("Too few freed units or too few others to compare.")
    else:
        pulling = _(
            "%(verdict)s: the difference moved from %(before)s to %(after)s "
            "(%(freed)s freed units, %(others)s others)."
        ) % {
            "verdict": _("Yes, they pull away") if away.flag else _("No, they do not pull away"),
            "before": _n(away.gap_before),
            "after": _n(away.gap_after),
            "freed": away.took_part,
            "others": away.others,
        }
    facts.append((_("Do the freed units pull away?"), pulling))
    idle = ", ".join(
        ngettext("%(name)s (%(n)s unit)", "%(name)s (%(n)s units)", a.units)
        % {"name": a.area, "n": a.units}
        for a in w.areas_without_part
    )
    facts.append((_("Areas taking no part"), idle or _("None: every area has a freed unit.")))
    facts.append(
        (
            _("Left out by the anonymity rules"),
            ngettext("%(n)s unit", "%(n)s units", watch.left_out) % {"n": watch.left_out},
        )
    )
    return facts


def effect_panel(
    *, unit: Unit | None, decisions: list[tuple[int, str, date]], draws: int = 999
) -> EffectPanel:
    """The panel for the scope (a unit's subtree, or everything) and the given
    four-F decisions (id, title, decision date), graded against untouched units
    of the same kind in the same forvaltning."""
    outcomes = data.outcome_choices()
    if not outcomes:
        return EffectPanel(outcome="", outcome_label="")
    outcome, label = outcomes[0]
    scope = Scope(everything=True) if unit is None else Scope(everything=False, paths=(unit.path,))
    panel = EffectPanel(outcome=outcome, outcome_label=str(label))
    within = (
        unit if unit is not None and unit.kind in (UnitKind.ADMINISTRATION, UnitKind.AREA) else None
    )
    measures = watched_measures(outcomes)
    touched = data.freed_units() if measures else set()  # asked once for every measure
    panel.watches = [
        _watch(
            outcome=key, label=name, unit=unit, within=within, scope=scope,
            touched=touched, draws=draws,
        )
        for key, name in measures
    ]  # fmt: skip
    area = str(within.pk) if within else ""
    panel.group_url = (
        reverse("overview:effect_group")
        + "?"
        + urlencode({"decision": "", "area": area, "year": "", "outcome": outcome,
                     "comparison": data.COMPARE_AREA})
    )  # fmt: skip
    counted = dict.fromkeys(GRADE_ORDER, 0)
    query = urlencode({"outcome": outcome, "comparison": data.COMPARE_AREA})
    for decision_id, title, decided_on in decisions:
        found = data.treatment(decision_id=decision_id)
        grade = Grade.CANNOT_TELL
        why = _("The figures leave nothing to compare.")
        if found is not None:
            effect = data.effect_data(
                found, outcome=outcome, comparison=data.COMPARE_AREA, scope=scope
            )
            if effect.evidence is not None:
                grade = effect.evidence.grade
                if effect.evidence.reasons:
                    why = reason_text(effect.evidence.reasons[0])
        counted[grade] += 1
        panel.decisions.append(
            DecisionGrade(
                decision_id=decision_id,
                title=title,
                decided_on=decided_on,
                grade=str(grade),
                grade_label=str(GRADE_LABELS[grade]),
                why=why,
                url=reverse("overview:effect_decision", args=[decision_id]) + "?" + query,
            )
        )
    panel.counts = [
        GradeCount(str(g), str(GRADE_LABELS[g]), n, _count_text(g, n))
        for g, n in counted.items()
        if n
    ]
    return panel
