"""Reads of the compass: rounds, response rates and results under the anonymity rules.

Every figure that leaves this module for a page, an export or the API comes
from `round_results`, which runs the anonymity engine (anonymity.py) per
dimension and for comments; cells the engine hides have no figure at all.
"""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from tillid.compass import scoring
from tillid.compass.anonymity import ALL, Disclosure, GroupNode, suppress
from tillid.compass.instruments import Spec, spec_for
from tillid.compass.models import (
    DialogueAction,
    DialogueMeeting,
    Family,
    Invitation,
    Response,
    RoleGroup,
    Round,
    SelfAssessment,
)
from tillid.organisation.models import Unit

ROLES = (RoleGroup.LEADER.value, RoleGroup.EMPLOYEE.value)
GROUPS = (ALL, *ROLES)


def rounds_for(scope, *, manage_scope=None):
    """Rounds whose subtree overlaps the units in scope."""
    qs = Round.objects.select_related("instrument", "root").order_by("-opens_on", "-pk")
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    for path in scope.paths:
        # The round covers the scope's unit, or the scope's unit covers the round.
        q |= Q(root__path__startswith=path)
        prefixes = [
            "/" + "/".join(path.strip("/").split("/")[: i + 1]) + "/"
            for i in range(path.count("/") - 1)
        ]
        q |= Q(root__path__in=prefixes)
    return qs.filter(q)


def response_count(round_: Round) -> int:
    return Response.objects.filter(round=round_).count()


# --- response rates ------------------------------------------------------------


@dataclass
class RateRow:
    unit: Unit
    depth: int
    invited: int
    answered: int | None  # None: not shown (open round, fewer than k invited)

    @property
    def percent(self) -> int | None:
        if self.answered is None or not self.invited:
            return None
        return round(100 * self.answered / self.invited)


def response_rates(round_: Round, *, within: Unit | None = None) -> list[RateRow]:
    """Invited and answered per unit subtree.

    Once closed, every count. While open, counts only for units with at least
    k invited, with complementary suppression over the invited counts.
    """
    direct = defaultdict(lambda: [0, 0])
    for unit_id, used, n in (
        Invitation.objects.filter(round=round_)
        .values_list("unit_id", "used")
        .annotate(n=Count("id"))
        .values_list("unit_id", "used", "n")
    ):
        direct[unit_id][1 if used else 0] += n
    units = {u.pk: u for u in Unit.objects.filter(pk__in=_with_ancestors(round_, direct.keys()))}
    totals = defaultdict(lambda: [0, 0])
    for unit_id, (not_used, used) in direct.items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        for anc in _path_ids(unit.path):
            if anc in units:
                totals[anc][0] += not_used + used
                totals[anc][1] += used
    show_all = round_.is_closed
    live = None
    if not show_all:
        # While open, a unit's count is shown only with at least k invited, and
        # not where it could be subtracted out of its parent to tell whether a
        # smaller group (say, a lone leader placed above the teams) has answered.
        live = suppress(
            [
                GroupNode(
                    id=u.pk,
                    parent=u.parent_id if u.parent_id in units and u.pk != round_.root_id else None,
                    counts={ALL: sum(direct[u.pk]) if u.pk in direct else 0},
                )
                for u in units.values()
            ],
            k=round_.min_group,
        )
    rows = []
    root_depth = round_.root.depth
    for unit in sorted(units.values(), key=lambda u: _sort_key(u, units)):
        if within is not None and not unit.path.startswith(within.path):
            continue
        invited, answered = totals[unit.pk]
        visible = show_all or live.is_visible(unit.pk)
        rows.append(
            RateRow(
                unit=unit,
                depth=max(0, unit.depth - root_depth),
                invited=invited,
                answered=answered if visible else None,
            )
        )
    return rows


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _with_ancestors(round_: Round, unit_ids) -> set[int]:
    ids = set(unit_ids)
    for path in Unit.objects.filter(pk__in=ids).values_list("path", flat=True):
        for anc in _path_ids(path):
            ids.add(anc)
    root_ancestors = set(_path_ids(round_.root.path)[:-1])
    return ids - root_ancestors


def _sort_key(unit: Unit, units: dict[int, Unit]) -> tuple:
    return tuple(units[a].name if a in units else "" for a in _path_ids(unit.path))


# --- results ----------------------------------------------------------------------


@dataclass
class Results:
    """The figures of one round that may be shown, cell by cell."""

    round: Round
    spec: Spec
    units: dict[int, Unit]
    children: dict[int | None, list[int]]
    counts: dict[tuple[int, str], int]  # respondents per (unit subtree, group): public
    # (dimension, unit, group) -> running sums; only cells the engine allows.
    cells: dict[tuple[str, int, str], scoring.Accumulator] = field(default_factory=dict)
    disclosures: dict[str, Disclosure] = field(default_factory=dict)
    comments: Disclosure | None = None

    @property
    def k(self) -> int:
        return self.round.min_group

    def score(self, dimension: str, unit_id: int, group: str = ALL):
        acc = self.cells.get((dimension, unit_id, group))
        return acc.result() if acc is not None else None

    def accumulator(self, dimension: str, unit_id: int, group: str = ALL):
        return self.cells.get((dimension, unit_id, group))

    def count(self, unit_id: int, group: str = ALL) -> int:
        return self.counts.get((unit_id, group), 0)

    def is_visible(self, unit_id: int, group: str = ALL) -> bool:
        """Any figure for this cell at all (at least one dimension shown)."""
        return any(d.is_visible(unit_id, group) for d in self.disclosures.values())

    def comments_visible(self, unit_id: int) -> bool:
        return self.comments is not None and self.comments.is_visible(unit_id)

    @property
    def root_id(self) -> int:
        return self.round.root_id


def _rollup_units(round_: Round, unit_ids) -> dict[int, Unit]:
    ids = _with_ancestors(round_, unit_ids) | {round_.root_id}
    return {u.pk: u for u in Unit.objects.filter(pk__in=ids)}


def round_results(round_: Round) -> Results:
    """Scores for every unit subtree and role group of a round, suppressed as needed.

    Results of a closed round cannot change (no answers arrive after closing),
    so they are cached; the key carries the round's creation time and number
    of responses, so a new or changed round never meets stale figures.
    """
    if not round_.is_closed:
        return _compute_results(round_)
    created = round_.created_at.timestamp() if round_.created_at else 0
    count = Response.objects.filter(round=round_).count()
    key = (
        f"compass:results:{round_.pk}:{created}:{count}:"
        f"{round_.min_group}:{round_.min_comment_group}"
    )
    cached = _RESULTS_CACHE.get(key)
    if cached is None:
        cached = _compute_results(round_)
        _RESULTS_CACHE[key] = cached
        while len(_RESULTS_CACHE) > _RESULTS_CACHE_SIZE:
            _RESULTS_CACHE.popitem(last=False)
    else:
        _RESULTS_CACHE.move_to_end(key)
    cached.round = round_
    return cached


# Per process, in memory: unpickling a round's figures from a shared cache on
# every page would cost more than the page itself.
_RESULTS_CACHE: "OrderedDict[str, Results]" = OrderedDict()
_RESULTS_CACHE_SIZE = 8


def _compute_results(round_: Round) -> Results:
    spec = spec_for(round_.instrument)
    rows = list(
        Response.objects.filter(round=round_).values_list("unit_id", "role_group", "answers")
    )
    units = _rollup_units(round_, {r[0] for r in rows})
    parent_of = {
        u.pk: (u.parent_id if u.parent_id in units and u.pk != round_.root_id else None)
        for u in units.values()
    }
    children: dict[int | None, list[int]] = defaultdict(list)
    for uid, parent in parent_of.items():
        children[parent].append(uid)
    for ids in children.values():
        ids.sort(key=lambda i: units[i].name)

    dims = [(code, spec.dimension_items(code)) for code in spec.dimension_codes()]
    low, span = spec.low, spec.high - spec.low
    # Direct sums per (dimension, unit, role); rolled up the tree afterwards.
    direct_sums: dict[tuple[str, int, str], scoring.Accumulator] = defaultdict(scoring.Accumulator)
    everyone: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Item score by answer value, straight and mirrored (scoring.item_score).
    straight = {v: 100.0 * (v - low) / span for v in range(low, spec.high + 1)}
    mirrored = {v: 100.0 - score for v, score in straight.items()}
    prepared = [
        (code, [(item, mirrored if reverse else straight) for item, reverse in items], len(items))
        for code, items in dims
    ]
    for unit_id, role, answers in rows:
        everyone[unit_id][role] += 1
        get = answers.get
        for code, items, size in prepared:
            total, answered = 0.0, 0
            for item, table in items:
                value = get(item)
                if value is not None:
                    total += table[value]
                    answered += 1
            if answered and 2 * answered >= size:
                direct_sums[(code, unit_id, role)].add(total / answered)

    # Post-order roll-up: each unit's subtree sums = own direct + children's subtree.
    order: list[int] = []
    stack = list(children[None])
    while stack:
        uid = stack.pop()
        order.append(uid)
        stack.extend(children.get(uid, []))
    sums: dict[tuple[str, int, str], scoring.Accumulator] = {}
    for uid in reversed(order):
        for code, _items in dims:
            for role in ROLES:
                acc = scoring.Accumulator()
                own = direct_sums.get((code, uid, role))
                if own is not None:
                    acc.merge(own)
                for child in children.get(uid, []):
                    child_acc = sums.get((code, child, role))
                    if child_acc is not None:
                        acc.merge(child_acc)
                if acc.n:
                    sums[(code, uid, role)] = acc
            total = scoring.Accumulator()
            for role in ROLES:
                part = sums.get((code, uid, role))
                if part is not None:
                    total.merge(part)
            if total.n:
                sums[(code, uid, ALL)] = total

    def nodes(counts):
        return [
            GroupNode(id=uid, parent=parent_of[uid], counts=dict(counts.get(uid, {})))
            for uid in units
        ]

    direct_counts: dict[str, dict[int, dict[str, int]]] = {
        code: defaultdict(dict) for code, _items in dims
    }
    for (code, uid, role), acc in direct_sums.items():
        direct_counts[code][uid][role] = acc.n

    k = round_.min_group
    base = suppress(nodes(everyone), k=k, roles=ROLES)
    results = Results(round=round_, spec=spec, units=units, children=children, counts=base.totals)
    for code, _items in dims:
        direct = direct_counts[code]
        if all(
            direct.get(uid, {}).get(role, 0) == everyone.get(uid, {}).get(role, 0)
            for uid in units
            for role in ROLES
        ):
            disclosure = base  # everyone has a score here: same groups, same answer
        else:
            disclosure = suppress(nodes(direct), k=k, roles=ROLES, start=base.visible)
        results.disclosures[code] = disclosure
        for unit_id, group in disclosure.visible:
            acc = sums.get((code, unit_id, group))
            if acc is not None and acc.n >= k:
                results.cells[(code, unit_id, group)] = acc
    comment_nodes = [
        GroupNode(id=n.id, parent=n.parent, counts={ALL: sum(n.counts.values())})
        for n in nodes(everyone)
    ]
    results.comments = suppress(comment_nodes, k=round_.min_comment_group)
    return results


def comments_for(results: Results, unit: Unit) -> list[str]:
    """Comments of a unit subtree, shuffled, only when the comment rule allows."""
    import random

    if not results.comments_visible(unit.pk):
        return []
    texts = list(
        Response.objects.filter(round=results.round, unit__path__startswith=unit.path)
        .exclude(comment="")
        .values_list("comment", flat=True)
    )
    random.SystemRandom().shuffle(texts)
    return texts


def previous_round(round_: Round, unit: Unit) -> Round | None:
    """The latest earlier closed round with the same instrument code that covered the unit."""
    candidates = (
        Round.objects.filter(instrument__code=round_.instrument.code, opens_on__lt=round_.opens_on)
        .exclude(pk=round_.pk)
        .select_related("root", "instrument")
        .order_by("-opens_on", "-pk")
    )
    for candidate in candidates:
        if candidate.is_closed and unit.path.startswith(candidate.root.path):
            return candidate
    return None


# --- unit view --------------------------------------------------------------------


@dataclass
class DimensionRow:
    code: str
    name: str
    family: str
    score: scoring.GroupScore | None
    organisation: scoring.GroupScore | None
    previous: scoring.GroupScore | None
    change: tuple[float, float, float] | None
    leaders: scoring.GroupScore | None
    employees: scoring.GroupScore | None
    self_assessment: float | None = None


def dimension_names(round_: Round) -> dict[str, tuple[str, str]]:
    return {d.code: (d.name, d.family) for d in round_.instrument.dimensions.all()}


def unit_view(results: Results, unit: Unit, previous: Results | None = None) -> list[DimensionRow]:
    names = dimension_names(results.round)
    rows = []
    for code in results.spec.dimension_codes():
        name, family = names.get(code, (code, ""))
        acc = results.accumulator(code, unit.pk)
        prev_acc = previous.accumulator(code, unit.pk) if previous else None
        change = scoring.difference_from_sums(acc, prev_acc) if acc and prev_acc else None
        rows.append(
            DimensionRow(
                code=code,
                name=name,
                family=family,
                score=acc.result() if acc else None,
                organisation=results.score(code, results.root_id),
                previous=prev_acc.result() if prev_acc else None,
                change=change,
                leaders=results.score(code, unit.pk, RoleGroup.LEADER),
                employees=results.score(code, unit.pk, RoleGroup.EMPLOYEE),
            )
        )
    return rows


def compass_elements(rows: list[DimensionRow]) -> list[DimensionRow]:
    return [r for r in rows if r.family == Family.COMPASS]


def strongest_and_weakest(
    rows: list[DimensionRow],
) -> tuple[DimensionRow | None, DimensionRow | None]:
    scored = [r for r in compass_elements(rows) if r.score is not None]
    if len(scored) < 2:
        return None, None
    ordered = sorted(scored, key=lambda r: r.score.mean)
    return ordered[-1], ordered[0]


def self_assessment_scores(assessment: SelfAssessment) -> dict[str, float]:
    spec = spec_for(assessment.round.leader_instrument)
    out = {}
    for code in spec.dimension_codes():
        value = scoring.respondent_score(
            assessment.answers, spec.dimension_items(code), low=spec.low, high=spec.high
        )
        if value is not None:
            out[code] = value
    return out


def visible_self_assessment(round_: Round, unit: Unit, user) -> SelfAssessment | None:
    """The leader's own always; another leader's only when shared."""
    qs = SelfAssessment.objects.filter(round=round_, unit=unit).select_related(
        "round__leader_instrument"
    )
    own = qs.filter(user=user).first()
    if own is not None:
        return own
    return qs.filter(shared=True).first()


def child_rows(results: Results, unit: Unit) -> list[dict]:
    compass = results.spec.dimension_codes(Family.COMPASS)
    rows = []
    for child_id in results.children.get(unit.pk, []):
        rows.append(
            {
                "unit": results.units[child_id],
                "n": results.count(child_id),
                "scores": [results.score(code, child_id) for code in compass],
            }
        )
    return rows


# --- dialogue ----------------------------------------------------------------------


def meetings_for(unit: Unit):
    return DialogueMeeting.objects.filter(unit=unit).prefetch_related("actions")


def open_actions(unit: Unit):
    return DialogueAction.objects.filter(meeting__unit=unit).select_related("meeting")


# --- reports (management commands, API) ----------------------------------------------


def _score_dict(score) -> dict | None:
    if score is None:
        return None
    return {
        "n": score.n,
        "mean": round(score.mean, 2),
        "ci95": None if score.low is None else [round(score.low, 2), round(score.high, 2)],
        "favourable": round(score.favourable, 4),
        "neutral": round(score.neutral, 4),
        "unfavourable": round(score.unfavourable, 4),
    }


def results_report(results: Results, *, within: Unit | None = None) -> dict:
    """Every unit subtree and group of a round, hidden cells as null. Aggregates only."""
    codes = results.spec.dimension_codes()
    units = []
    for unit in sorted(results.units.values(), key=lambda u: _sort_key(u, results.units)):
        if within is not None and not unit.path.startswith(within.path):
            continue
        groups = {}
        for group in GROUPS:
            groups[group] = {
                "n": results.count(unit.pk, group),
                "scores": {
                    code: _score_dict(results.score(code, unit.pk, group)) for code in codes
                },
            }
        units.append(
            {
                "id": unit.pk,
                "external_id": unit.external_id,
                "name": unit.name,
                "parent_id": unit.parent_id if unit.pk != results.root_id else None,
                "groups": groups,
            }
        )
    return {
        "round": {
            "id": results.round.pk,
            "name": results.round.name,
            "instrument": f"{results.round.instrument.code} v{results.round.instrument.version}",
            "closed": results.round.is_closed,
            "min_group": results.round.min_group,
        },
        "units": units,
    }


def reliability_report(round_: Round) -> dict:
    """Reliability per dimension over the whole round (psych-style statistics)."""
    spec = spec_for(round_.instrument)
    answers = list(Response.objects.filter(round=round_).values_list("answers", flat=True))
    reverse = dict(spec.items)
    out = {}
    for code in spec.dimension_codes():
        members = [m for m, _ in spec.dimension_items(code)]
        rows = [
            [
                None
                if a.get(m) is None
                else scoring.item_score(a[m], low=spec.low, high=spec.high, reverse=reverse[m])
                for m in members
            ]
            for a in answers
        ]
        rel = scoring.reliability(members, rows) if len(answers) >= round_.min_group else None
        out[code] = rel.as_dict() if rel else None
    return {"round": round_.pk, "respondents": len(answers), "dimensions": out}
