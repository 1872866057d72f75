"""Governance's lines of the published list of decisions ("overview.decisions").

Every four-F decision of a review, with its date, the layer its governance
comes from, the rationale and the hours and kroner it frees a year (Danish
municipalities publish such lists of what they removed or simplified). No
person is named: the facilitator and the participants are left out.

Also offered to the trials app ("trials.exemption_figures"): the layer and
burden of the items a trial sets aside, for its lines of the same list.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.core.indicators import Period, PublishedDecision, Scope
from tillid.governance import selectors
from tillid.governance.followup import items_touching
from tillid.governance.indicators import in_force_since
from tillid.governance.models import EscalationAnswer, Item, Layer, Review, ReviewStatus


def _people(fig, tree, scope: Scope) -> float:
    if scope.everything:
        return fig.burden.people
    return tree.people_within(fig.unit_ids, scope.unit_id) * fig.share_factor


def decisions(*, scope: Scope, period: Period) -> list[PublishedDecision]:
    """The four-F decisions made in the period on governance binding people in the scope.

    Hours freed are those of the scope's people (the whole item's for the whole
    organisation); an escalated removal frees nothing until the higher layer grants it.
    """
    reviews = list(
        Review.objects.exclude(decision="")
        .filter(decided_on__gte=period.start, decided_on__lte=period.end)
        .select_related("item")
        .prefetch_related("item__units")
        .order_by("decided_on", "pk")
    )
    touching = items_touching(scope, {r.item_id for r in reviews})
    reviews = [r for r in reviews if r.item_id in touching]
    tree = selectors.current_tree()
    figures = selectors.item_figures(Item.objects.filter(pk__in={r.item_id for r in reviews}), tree)
    cost = selectors.hourly_cost()
    lines = []
    layers = dict(Layer.choices)
    for review in reviews:
        hours = None
        in_force = review.status == ReviewStatus.DECIDED and in_force_since(review) is not None
        if in_force and review.minutes_before is not None and review.item_id in figures:
            delta = float(review.minutes_before) - float(review.minutes_after or 0)
            hours = delta * _people(figures[review.item_id], tree, scope) / 60
        decision = str(review.get_decision_display())
        if review.escalated_to:
            decision = _("%(decision)s (escalated to %(layer)s: %(answer)s)") % {
                "decision": decision,
                "layer": review.get_escalated_to_display(),
                "answer": str(
                    EscalationAnswer(review.escalation_answer or EscalationAnswer.WAITING).label
                ),
            }
        lines.append(
            PublishedDecision(
                decided_on=review.decided_on,
                kind="four_f",
                kind_label=_("Four-F decision"),
                title=review.item.title,
                layer=str(layers.get(review.item.layer, review.item.layer)),
                decision=decision,
                rationale=review.rationale,
                hours_freed=hours,
                dkk_freed=None if hours is None else hours * cost,
                url=reverse("governance:review", args=[review.pk]),
                unit_names=sorted(u.name for u in review.item.units.all()),
                decision_id=review.pk,
            )
        )
    return lines


def exemption_figures(*, items_by_unit: dict[int, list[int]]) -> dict[int, dict[int, dict]]:
    """For trials: per unit and item, the item's layer (label) and what it costs a year the
    people of the unit's subtree whom it binds: {"layer", "hours", "dkk"}. One read of the
    register and the tree for all of them."""
    ids = {item_id for item_ids in items_by_unit.values() for item_id in item_ids}
    tree = selectors.current_tree()
    figures = selectors.item_figures(Item.objects.filter(pk__in=ids), tree)
    layers = dict(Layer.choices)
    layer_of = dict(Item.objects.filter(pk__in=ids).values_list("pk", "layer"))
    cost = selectors.hourly_cost()
    found: dict[int, dict[int, dict]] = {}
    for unit_id, item_ids in items_by_unit.items():
        found[unit_id] = {}
        for item_id in item_ids:
            if item_id not in layer_of:
                continue
            fig = figures.get(item_id)
            hours = None
            if fig is not None:
                people = tree.people_within(fig.unit_ids, unit_id) * fig.share_factor
                hours = fig.burden.minutes_per_person * people / 60
            found[unit_id][item_id] = {
                "layer": str(layers.get(layer_of[item_id], layer_of[item_id])),
                "hours": hours,
                "dkk": None if hours is None else hours * cost,
            }
    return found
