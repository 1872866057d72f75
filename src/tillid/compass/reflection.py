"""Reflection questions for the dialogue meeting, tied to the nine ways of trust in leadership.

The nine ways are from Væksthus for Ledelse (2023), "Tillid i ledelse"; the
questions are Tillid's own. Each compass element (Bentzen 2025) points to the
ways that most directly strengthen it, so a unit whose weakest element is,
say, trust repair is offered the questions on handling breaches of trust.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Way:
    number: int
    title: str
    questions: tuple[str, ...]


WAYS = {
    1: Way(
        1,
        _("Making the purpose clear"),
        (
            _("Which difference for citizens is the reason we want to work with more trust?"),
            _("Where do we get mixed signals about trust from elsewhere in the organisation?"),
        ),
    ),
    2: Way(
        2,
        _("Balancing trust and control"),
        (
            _("Which of our controls make it safer to give freedom, and which only cost time?"),
            _("How would we notice in time if something went wrong without the control?"),
        ),
    ),
    3: Way(
        3,
        _("Agreeing shared ground rules"),
        (
            _("What do we agree is the core of our task, and where do we see it differently?"),
            _("Which ground rules would we write ourselves if we started today?"),
        ),
    ),
    4: Way(
        4,
        _("Sharing responsibility and influence"),
        (
            _("Which decisions could be taken closer to the citizen than today?"),
            _("What would be a suitably risky first step, and how do we follow up on it?"),
        ),
    ),
    5: Way(
        5,
        _("Encouraging professional feedback"),
        (
            _("When did a colleague last help you see your work in a new way?"),
            _("How can we ask each other for feedback without it feeling like inspection?"),
        ),
    ),
    6: Way(
        6,
        _("Securing the necessary competence"),
        (
            _("Where do we lack the skills to carry more responsibility with confidence?"),
            _("Who among us could teach the others something this quarter?"),
        ),
    ),
    7: Way(
        7,
        _("Being worthy of others' trust"),
        (
            _("Where does what management says and what it does not match?"),
            _("What would make it easier to bring bad news to a leader early?"),
        ),
    ),
    8: Way(
        8,
        _("Handling breaches of trust"),
        (
            _("Think of a time trust was bruised: was it competence, intention or resources?"),
            _("How do we talk about a mistake so that we learn rather than look for blame?"),
        ),
    ),
    9: Way(
        9,
        _("Shaping the common frame"),
        (
            _("Which rules from outside the unit get in the way, and who can change them?"),
            _("What should we tell those above us about how their governance works here?"),
        ),
    ),
}

# Compass element (dimension code) -> the ways that strengthen it most directly.
ELEMENT_WAYS = {
    "culture": (5, 6, 7),
    "structure": (2, 3, 9),
    "test": (1, 4),
    "repair": (8, 7),
}


def ways_for(dimension_code: str) -> list[Way]:
    return [WAYS[n] for n in ELEMENT_WAYS.get(dimension_code, ())]
