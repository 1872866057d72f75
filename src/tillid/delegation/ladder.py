"""The trust ladder and the one function that suggests a step on it.

Trust is dosed, not given blindly: a leader weighs three preconditions —
competence, intention and resources — against what is at stake in the task
(Væksthus for Ledelse 2023, "Tillid i ledelse", after Bentzen 2022). The
result is calculated trust; the leader still takes the last, reflected leap
and chooses the step, so the function only suggests.

The ladder has five steps:

1. Instructed — the leader decides how the task is done.
2. Consults first — the person proposes and asks before acting.
3. Acts and informs — the person acts and tells the leader afterwards.
4. Autonomous within a frame — free within agreed limits, reports exceptions.
5. Full autonomy — the "hverdagsdirektør" who uses professional judgement
   and explains the choice afterwards.

The rule, `suggest_step`:

* Each precondition is rated 1–4 (not yet, partly, largely, fully). Trust
  can rest no higher than its weakest leg, so the lowest rating sets the
  base step: 1 → 1, 2 → 2, 3 → 3, 4 → 5. When the weakest is 3 and the
  other two are 4, the base is 4.
* Risk is consequence (1 minor, 2 noticeable, 3 serious) times
  irreversibility (1 easily undone, 2 undone with effort, 3 hard or
  impossible to undo), 1–9. Risk up to 2 leaves the base; 3–4 lowers it one
  step; 6–9 lowers it two. The step never goes below 1.

So better preconditions never lower the suggestion and more risk never
raises it (tested as properties).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Step(models.IntegerChoices):
    INSTRUCTED = 1, _("1 · Instructed")
    CONSULTS = 2, _("2 · Consults first")
    INFORMS = 3, _("3 · Acts and informs")
    FRAMED = 4, _("4 · Autonomous within a frame")
    FULL = 5, _("5 · Full autonomy (hverdagsdirektør)")


class Rating(models.IntegerChoices):
    NOT_YET = 1, _("1 · Not yet")
    PARTLY = 2, _("2 · Partly")
    LARGELY = 3, _("3 · Largely")
    FULLY = 4, _("4 · Fully")


class Consequence(models.IntegerChoices):
    MINOR = 1, _("Minor: little harm if it goes wrong")
    NOTICEABLE = 2, _("Noticeable: a citizen or colleague is affected")
    SERIOUS = 3, _("Serious: health, safety or legal rights at stake")


class Reversibility(models.IntegerChoices):
    EASY = 1, _("Easily undone")
    EFFORT = 2, _("Can be undone with effort")
    HARD = 3, _("Hard or impossible to undo")


PRECONDITIONS = {
    "competence": _("competence"),
    "intention": _("intention"),
    "resources": _("resources"),
}

# Guidance for each rating, in our own words (after Væksthus for Ledelse 2023).
GUIDANCE = {
    "competence": _(
        "Can the person or team do this task safely and well: skills, experience and "
        "judgement for the situations it brings?"
    ),
    "intention": _(
        "Do they want to carry more responsibility for this task and its purpose, and do "
        "they share the goals it serves?"
    ),
    "resources": _(
        "Do they have the time, tools, information and backing that make it realistic to "
        "live up to the trust?"
    ),
    "risk": _(
        "What is at stake if it goes wrong, and can it be put right afterwards? Trust and "
        "risk belong together: without risk, trust is not needed."
    ),
}

_BASE = {1: 1, 2: 2, 3: 3, 4: 5}


@dataclass(frozen=True)
class Suggestion:
    step: int
    base: int
    risk: int
    reduction: int
    weakest: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(Step(self.step).label)


def risk_score(consequence: int, reversibility: int) -> int:
    return consequence * reversibility


def risk_reduction(risk: int) -> int:
    if risk <= 2:
        return 0
    if risk <= 4:
        return 1
    return 2


def _check(name: str, value: int, high: int) -> None:
    if not isinstance(value, int) or not 1 <= value <= high:
        raise ValueError(f"{name} must be an integer from 1 to {high}, not {value!r}")


def suggest_step(
    *, competence: int, intention: int, resources: int, consequence: int, reversibility: int
) -> Suggestion:
    """Suggest a step on the trust ladder (1–5) and explain why. See the module docstring."""
    ratings = {"competence": competence, "intention": intention, "resources": resources}
    for name, value in ratings.items():
        _check(name, value, 4)
    _check("consequence", consequence, 3)
    _check("reversibility", reversibility, 3)

    lowest = min(ratings.values())
    weakest = tuple(name for name, value in ratings.items() if value == lowest)
    base = _BASE[lowest]
    if lowest == 3 and sum(ratings.values()) == 11:
        base = 4
    risk = risk_score(consequence, reversibility)
    reduction = risk_reduction(risk)
    step = max(1, base - reduction)

    names = get_text_list([str(PRECONDITIONS[n]) for n in weakest], str(_("and")))
    reasons = [
        ngettext(
            "The weakest precondition is %(names)s, rated %(rating)s of 4. Trust rests "
            "on all three legs, so the weakest sets the starting point: step %(base)d.",
            "The weakest preconditions are %(names)s, each rated %(rating)s of 4. Trust rests "
            "on all three legs, so the weakest set the starting point: step %(base)d.",
            len(weakest),
        )
        % {"names": names, "rating": lowest, "base": base}
    ]
    if lowest == 3 and base == 4:
        reasons.append(
            str(_("The two other preconditions are fully in place, which earns one step more."))
        )
    if reduction:
        reasons.append(
            ngettext(
                "The task's risk is %(risk)d of 9 (consequence × how hard it is to undo), "
                "which lowers the suggestion by %(n)d step.",
                "The task's risk is %(risk)d of 9 (consequence × how hard it is to undo), "
                "which lowers the suggestion by %(n)d steps.",
                reduction,
            )
            % {"risk": risk, "n": reduction}
        )
    else:
        reasons.append(
            str(_("The task's risk is low (%(risk)d of 9), so it does not lower the step."))
            % {"risk": risk}
        )
    if step == 1 and base - reduction < 1:
        reasons.append(str(_("The ladder starts at step 1: instruction and close support.")))
    reasons.append(
        str(
            _(
                "This is a calculated suggestion. The choice, and the reflected leap, "
                "is yours (Væksthus for Ledelse 2023)."
            )
        )
    )
    return Suggestion(
        step=step,
        base=base,
        risk=risk,
        reduction=reduction,
        weakest=weakest,
        reasons=tuple(reasons),
    )
