"""The evidence grade and its reasons in the user's language (Danish by default).

grade.py keeps stable codes and English developer text; the pages say it
through gettext here, with Danish number formats.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillid.overview.effects.grade import Evidence, Grade, Reason, Why
from tillid.overview.effects.inequality import Flag

GRADE_LABELS = {
    Grade.CANNOT_TELL: gettext_lazy("Cannot tell"),
    Grade.INCONCLUSIVE: gettext_lazy("Inconclusive"),
    Grade.NO_EFFECT_FOUND: gettext_lazy("No effect found"),
    Grade.INDICATION: gettext_lazy("An indication"),
    Grade.CLEAR_EVIDENCE: gettext_lazy("Clear evidence"),
}

FLAG_TEXT = {
    Flag.FIFTH_GAP_WIDENING: gettext_lazy(
        "The gap between the top and the bottom fifth of units has widened."
    ),
    Flag.PULLING_AWAY: gettext_lazy(
        "The units that took part (freed by a decision or running a trial) are pulling away "
        "from the rest."
    ),
    Flag.AREAS_WITHOUT_PART: gettext_lazy(
        "Whole areas have no unit that took part (freed by a decision or running a trial)."
    ),
}


def _n(value) -> str:
    if isinstance(value, float):
        # Django's number_format cuts the decimals off (0.999 -> "0,99"); round first.
        return number_format(round(value, 2), 2, use_l10n=True)
    return str(value)


def grade_text(evidence: Evidence) -> str:
    up = evidence.direction == "increase"
    match evidence.grade:
        case Grade.CANNOT_TELL:
            return _("Too little data to tell whether it made a difference.")
        case Grade.INCONCLUSIVE:
            return _("The data cannot tell a difference apart from chance.")
        case Grade.NO_EFFECT_FOUND:
            return _("No effect found: if there is one, it is small.")
        case Grade.INDICATION:
            return (
                _("An indication of an increase, but not clear evidence.")
                if up
                else _("An indication of a decrease, but not clear evidence.")
            )
        case _:
            return _("Clear evidence of an increase.") if up else _("Clear evidence of a decrease.")


def reason_text(reason: Reason) -> str:
    p = {k: _n(v) for k, v in reason.params.items()}
    if "level_percent" in reason.params:
        level = float(reason.params["level_percent"])
        p["level_percent"] = number_format(level, 0 if level.is_integer() else 1, use_l10n=True)
    texts = {
        Why.TOO_FEW_TREATED: _(
            "Only %(treated)s units were touched; at least %(minimum)s are needed."
        ),
        Why.TOO_FEW_COMPARISON: _(
            "Only %(comparison)s comparison units; at least %(minimum)s are needed."
        ),
        Why.NO_PERIOD_BEFORE: _("There is no round before the start to compare with."),
        Why.NO_PERIOD_AFTER: _("There is no round after the start yet."),
        Why.NOT_ESTIMABLE: _("The figures leave nothing to compare."),
        Why.INTERVAL_EXCLUDES_ZERO: _(
            "The %(level_percent)s %% interval (%(ci_low)s to %(ci_high)s) does not include zero."
        ),
        Why.INTERVAL_INCLUDES_ZERO: _(
            "The %(level_percent)s %% interval (%(ci_low)s to %(ci_high)s) includes zero."
        ),
        Why.WITHIN_SMALL_EFFECT: _("The interval stays within ±%(margin)s, a small effect."),
        Why.BEYOND_SMALL_EFFECT: _("The interval reaches beyond ±%(margin)s, a small effect."),
        Why.PRE_TREND_PASSED: _(
            "Before the start, the touched and the comparison units moved alike (p = %(p_value)s)."
        ),
        Why.PRE_TREND_DETECTED: _(
            "Before the start, the touched units already moved differently (p = %(p_value)s)."
        ),
        Why.PRE_TREND_UNTESTABLE: _(
            "Too few units (%(treated)s) were seen twice before the start to check that they "
            "moved alike before."
        ),
        Why.FEW_TREATED_FOR_CLEAR: _(
            "Clear evidence needs at least %(needed)s touched units; there are %(treated)s."
        ),
        Why.FEW_COMPARISON_FOR_CLEAR: _(
            "Clear evidence needs at least %(needed)s comparison units; there are %(comparison)s."
        ),
        Why.FEW_PERIODS_BEFORE_FOR_CLEAR: _(
            "Clear evidence needs at least %(needed)s rounds before the start; there are "
            "%(periods)s."
        ),
        Why.FEW_UNITS_FOR_ANALYTIC: _(
            "With this many units the interval is computed without the bootstrap; that needs at "
            "least %(needed)s touched and %(needed)s comparison units to be reliable."
        ),
    }
    text = texts.get(reason.code)
    if text is None:
        return reason.text
    try:
        return text % p
    except (KeyError, TypeError, ValueError):
        return reason.text
