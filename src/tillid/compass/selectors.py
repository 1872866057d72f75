"""Reads of the compass: rounds, response rates and results under the anonymity rules.

Every figure that leaves this module for a page, an export or the API comes
from `round_results`, which runs the anonymity engine (tillid.core.anonymity)
once for the scores (all dimensions together) and once for comments; cells
the engine hides have no figure and no count at all.
"""

import hmac
import random
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Q

from tillid.compass import scoring
from tillid.compass.instruments import Spec, answer_matrix, spec_for, unpack_answers
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
from tillid.core.anonymity import ALL, Disclosure, GroupNode, suppress
from tillid.organisation.models import Unit

ROLES = (RoleGroup.LEADER.value, RoleGroup.EMPLOYEE.value)
GROUPS = (ALL, *ROLES)
GROUPS_ORDER = (*ROLES, ALL)  # as in Results.sums and the anonymity engine


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


@dataclass(frozen=True)
class _RateFrame:
    """What a round's response rates need besides the answered counts: the units
    in their order, each one's ancestors, and which counts an open round shows."""

    units: dict[int, Unit]
    order: list[int]
    chains: dict[int, list[int]]
    live: Disclosure | None


# Per process, keyed by what the frame is made of (the round, its invited counts
# and the units' own stamp): on a closing day the page is read again and again
# while only the answered counts change.
_RATE_FRAMES: "OrderedDict[tuple, _RateFrame]" = OrderedDict()
_RATE_FRAMES_SIZE = 8
_RATE_FRAMES_LOCK = threading.Lock()


def _units_stamp() -> tuple:
    """Changes whenever a unit is added, renamed, moved or deactivated (the
    import and every save set `updated_at`)."""
    found = Unit.objects.order_by().aggregate(n=Count("id"), last=Max("updated_at"))
    return found["n"], found["last"]


def _rate_frame(round_: Round, invited: dict[int, int]) -> _RateFrame:
    key = (
        round_.pk,
        round_.is_closed,
        round_.min_group,
        hash(frozenset(invited.items())),
        _units_stamp(),
    )
    with _RATE_FRAMES_LOCK:  # gunicorn's threads share the dict
        frame = _RATE_FRAMES.get(key)
        if frame is not None:
            _RATE_FRAMES.move_to_end(key)
            return frame
    units, parent_of = _round_units(round_, invited.keys())

    def chain(uid: int | None) -> list[int]:  # the root first, the unit last
        found = []
        while uid is not None:
            found.append(uid)
            uid = parent_of.get(uid)
        return found[::-1]

    chains = {uid: chain(uid) for uid in set(units) | set(invited)}
    live = None
    if not round_.is_closed:
        # While open, a unit's count is shown only with at least k invited, and
        # not where it could be subtracted out of its parent to tell whether a
        # smaller group (say, a lone leader placed above the teams) has answered.
        live = suppress(
            [
                GroupNode(id=uid, parent=parent_of[uid], counts={ALL: invited.get(uid, 0)})
                for uid in units
            ],
            k=round_.min_group,
            # A live count left out at the top would make the rates add up wrong.
            may_exclude=False,
        )
    order = sorted(units, key=lambda u: tuple(units[a].name for a in chains[u] if a in units))
    frame = _RateFrame(units=units, order=order, chains=chains, live=live)
    with _RATE_FRAMES_LOCK:
        _RATE_FRAMES[key] = frame
        while len(_RATE_FRAMES) > _RATE_FRAMES_SIZE:
            _RATE_FRAMES.popitem(last=False)
    return frame


def response_rates(round_: Round) -> list[RateRow]:
    """Invited and answered per unit subtree (of the round's frozen tree).

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
    frame = _rate_frame(round_, {uid: sum(counts) for uid, counts in direct.items()})
    totals = defaultdict(lambda: [0, 0])
    for unit_id, (not_used, used) in direct.items():
        for anc in frame.chains[unit_id]:
            totals[anc][0] += not_used + used
            totals[anc][1] += used
    rows = []
    for uid in frame.order:
        invited, answered = totals[uid]
        visible = frame.live is None or frame.live.is_visible(uid)
        rows.append(
            RateRow(
                unit=frame.units[uid],
                depth=len(frame.chains[uid]) - 1,
                invited=invited,
                answered=answered if visible else None,
            )
        )
    return rows


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


# --- results ----------------------------------------------------------------------


@dataclass
class Results:
    """The figures of one round that may be shown, cell by cell."""

    round: Round
    spec: Spec
    units: dict[int, Unit]
    children: dict[int | None, list[int]]
    # Respondents per (unit subtree, group), internal: read through `count`, which
    # says None ("skjult") for a hidden cell.
    counts: dict[tuple[int, str], int]
    # The cells that may show figures, decided once for every dimension.
    disclosure: Disclosure
    # Running sums of every unit subtree: units × GROUPS_ORDER × dimensions ×
    # scoring.SUM_FIELDS. Read only through `accumulator`, which applies the rules.
    sums: np.ndarray
    position: dict[int, int]  # unit id -> row of `sums`
    comments: Disclosure | None = None

    @property
    def k(self) -> int:
        return self.round.min_group

    def score(self, dimension: str, unit_id: int, group: str = ALL):
        acc = self.accumulator(dimension, unit_id, group)
        return acc.result() if acc is not None else None

    def accumulator(self, dimension: str, unit_id: int, group: str = ALL):
        """The cell's running sums, or None where nothing may be shown."""
        if not self.disclosure.is_visible(unit_id, group):
            return None
        row = self.sums[
            self.position[unit_id], GROUPS_ORDER.index(group), self._dimension_index[dimension]
        ].tolist()
        # A shown cell has k or more scores on a dimension, or none at all.
        return scoring.Accumulator.from_sums(row) if row[0] >= self.k else None

    @cached_property
    def _dimension_index(self) -> dict[str, int]:
        return {code: d for d, code in enumerate(self.spec.dimension_codes())}

    def shown_cells(self) -> int:
        """How many (dimension, unit subtree, group) figures may be shown."""
        return sum(
            int(
                np.count_nonzero(self.sums[self.position[u], GROUPS_ORDER.index(g), :, 0] >= self.k)
            )
            for u, g in self.disclosure.visible
        )

    def count(self, unit_id: int, group: str = ALL) -> int | None:
        """Respondents in a shown cell; None where the cell is hidden."""
        return self.disclosure.shown_count(unit_id, group)

    @property
    def left_out(self) -> int:
        """Answers in no figure at all: a group at the top too small to show."""
        return self.disclosure.excluded_respondents

    def is_visible(self, unit_id: int, group: str = ALL) -> bool:
        """Whether this cell shows its figures (all dimensions with a score)."""
        return self.disclosure.is_visible(unit_id, group)

    def subtree_ids(self, unit_id: int) -> list[int]:
        """The unit and every unit below it in the round's (frozen) tree, parents first."""
        return _preorder(self.children, [unit_id])

    @cached_property
    def parent_of(self) -> dict[int, int | None]:
        return {kid: parent for parent, kids in self.children.items() for kid in kids}

    def chain(self, unit_id: int) -> list[int]:
        """The unit and its ancestors up to the round's root, in the round's tree."""
        found: list[int] = []
        cur: int | None = unit_id
        while cur is not None:
            found.append(cur)
            cur = self.parent_of.get(cur)
        return found

    def comments_visible(self, unit_id: int) -> bool:
        return self.comments is not None and self.comments.is_visible(unit_id)

    @property
    def root_id(self) -> int:
        return self.round.root_id


def _round_units(round_: Round, unit_ids) -> tuple[dict[int, Unit], dict[int, int | None]]:
    """The units to roll up — those given, their ancestors up to the round's
    root, and the root — and each one's parent within the round (None at the root).

    The structure is the round's frozen tree (Round.tree), so a reorganisation
    after opening changes nothing; rounds without one use today's tree.
    """
    root = round_.root
    # One query for the round's subtree finds nearly every unit; units moved
    # out of it since (and their new ancestors) are fetched after.
    found = {u.pk: u for u in Unit.objects.filter(path__startswith=root.path).order_by()}

    def fetch(ids) -> None:
        missing = set(ids) - found.keys()
        if missing:
            found.update((u.pk, u) for u in Unit.objects.filter(pk__in=missing).order_by())

    wanted = set(unit_ids) | {root.pk}
    if round_.tree:
        frozen = {int(uid): parent for uid, parent in round_.tree.items()}
        parent_of: dict[int, int | None] = {}
        for uid in wanted:
            # A unit missing from the frozen tree (never expected) counts at the root.
            cur = uid
            while cur is not None and cur not in parent_of:
                parent = frozen.get(cur, root.pk) if cur != root.pk else None
                parent_of[cur] = parent
                cur = parent
        fetch(parent_of)
        return {uid: found[uid] for uid in parent_of if uid in found}, parent_of
    fetch(wanted)
    above_root = set(_path_ids(root.path)[:-1])
    for uid in list(wanted):
        if uid in found:
            wanted.update(_path_ids(found[uid].path))
    wanted -= above_root
    fetch(wanted)
    units = {pk: found[pk] for pk in wanted if pk in found}
    return units, {
        u.pk: (u.parent_id if u.parent_id in units and u.pk != root.pk else None)
        for u in units.values()
    }


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
    rows, values = _answer_rows(round_, spec)
    units, parent_of = _round_units(round_, {r[0] for r in rows})
    children: dict[int | None, list[int]] = defaultdict(list)
    for uid, parent in parent_of.items():
        children[parent].append(uid)
    for ids in children.values():
        ids.sort(key=lambda i: units[i].name)

    codes = spec.dimension_codes()
    members = {code: items for code, _family, items in spec.dimensions}
    # Every respondent's dimension scores, then running sums per (unit, role)
    # as an array units × roles × dimensions × sums, rolled up the tree.
    unit_ids = list(units)
    position = {uid: i for i, uid in enumerate(unit_ids)}
    role_number = {role: r for r, role in enumerate(ROLES)}
    scores = scoring.respondent_scores(
        values,
        spec.items,
        [members[code] for code in codes],
        low=spec.low,
        high=spec.high,
    )
    groups = np.array(
        [position[uid] * len(ROLES) + role_number[role] for uid, role in rows], dtype=np.intp
    )
    n_cells = len(unit_ids) * len(ROLES)
    direct = scoring.group_sums(scores, groups, n_cells).reshape(
        len(unit_ids), len(ROLES), len(codes), len(scoring.SUM_FIELDS)
    )
    respondents = np.bincount(groups, minlength=n_cells).reshape(len(unit_ids), len(ROLES))
    nodes = [
        GroupNode(id=uid, parent=parent_of[uid], counts=dict(zip(ROLES, per_role, strict=True)))
        for uid, per_role in zip(unit_ids, respondents.tolist(), strict=True)
    ]
    # Per dimension: unit -> respondents with a score there, per role group.
    scored = direct[..., 0].astype(int).transpose(2, 0, 1).tolist()
    per_dimension = [dict(zip(unit_ids, table, strict=True)) for table in scored]
    # One decision for every dimension: a cell is shown with all its figures or none.
    disclosure = suppress(nodes, k=round_.min_group, roles=ROLES, also=per_dimension)
    for uid in disclosure.excluded:
        direct[position[uid]] = 0  # in no figure at all
    subtree = direct.copy()
    for uid in reversed(_preorder(children, children[None])):  # children before parents
        parent = parent_of[uid]
        if parent is not None:
            subtree[position[parent]] += subtree[position[uid]]
    results = Results(
        round=round_,
        spec=spec,
        units=units,
        children=children,
        counts=disclosure.totals,
        disclosure=disclosure,
        sums=np.concatenate([subtree, subtree.sum(axis=1, keepdims=True)], axis=1),
        position=position,
    )
    comment_nodes = [
        GroupNode(id=n.id, parent=n.parent, counts={ALL: sum(n.counts.values())}) for n in nodes
    ]
    # Comments are a table of their own with the larger threshold: a unit shows
    # them only where its subtree is a whole union of comment blocks, so no set
    # difference of shown comment lists singles out a smaller group.
    results.comments = suppress(comment_nodes, k=round_.min_comment_group)
    return results


def _preorder(children: dict[int | None, list[int]], start: list[int]) -> list[int]:
    """`start` and everything below, each unit before its children, siblings in order."""
    found, stack = [], start[::-1]
    while stack:
        uid = stack.pop()
        found.append(uid)
        stack.extend(reversed(children.get(uid, [])))
    return found


def _answer_rows(round_: Round, spec: Spec) -> tuple[list[tuple[int, str]], np.ndarray]:
    """(unit, role group) of every response, and the answers as a matrix (responses × items)."""
    rows = Response.objects.filter(round=round_)
    packed = list(rows.values_list("unit_id", "role_group", "packed"))
    width = len(spec.items)
    if all(len(p) == width for _u, _r, p in packed):
        return [(u, r) for u, r, _p in packed], unpack_answers(spec, [p for _u, _r, p in packed])
    # Some sheets were stored before packing existed: read the answers themselves.
    answers = list(rows.values_list("unit_id", "role_group", "answers"))
    return [(u, r) for u, r, _a in answers], answer_matrix(spec, [a for _u, _r, a in answers])


def comments_for(results: Results, unit: Unit) -> list[str]:
    """Comments of a unit subtree, shuffled, only when the comment rule allows.

    The order is a shuffle seeded by a secret and the round and unit, applied to
    the texts sorted: the same on every visit (so the page can be paginated)
    and unrelated to the order in which the answers arrived.
    """
    if not results.comments_visible(unit.pk):
        return []
    left_out = results.comments.excluded
    units = [uid for uid in results.subtree_ids(unit.pk) if uid not in left_out]
    texts = list(
        Response.objects.filter(round=results.round, unit_id__in=units)
        .exclude(comment="")
        .values_list("comment", flat=True)
    )
    seed = hmac.new(
        settings.SECRET_KEY.encode(), f"comments:{results.round.pk}:{unit.pk}".encode(), "sha256"
    ).digest()
    texts.sort()
    random.Random(seed).shuffle(texts)
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
    # Scores are shown as whole numbers: naming a strongest and a weakest that
    # read the same would tell the leader something the figures do not.
    if round(ordered[-1].score.mean) == round(ordered[0].score.mean):
        return None, None
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
    """A cell for machine-readable output: full double precision (JSON writes a
    float as the shortest text that reads back exactly); pages do the rounding."""
    if score is None:
        return None
    return {
        "n": score.n,
        "mean": float(score.mean),
        "ci95": None if score.low is None else [float(score.low), float(score.high)],
        "favourable": float(score.favourable),
        "neutral": float(score.neutral),
        "unfavourable": float(score.unfavourable),
    }


def results_report(results: Results, *, within: Unit | None = None) -> dict:
    """Every unit subtree and group of a round, hidden cells as null. Aggregates only."""
    codes = results.spec.dimension_codes()
    units = []
    # Everything when the asked-for unit is the round's root or above it.
    whole = within is None or results.round.root.is_within(within)
    order = results.subtree_ids(results.root_id)  # parents first, siblings by name
    for unit in (results.units[uid] for uid in order if uid in results.units):
        if not whole and within.pk not in results.chain(unit.pk):
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
                "parent_id": results.parent_of.get(unit.pk),
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
            # Answers in no figure (a group at the top too small to show on its own).
            "left_out": results.left_out,
        },
        "units": units,
    }


def reliability_report(round_: Round) -> dict:
    """Reliability per dimension over the whole round, as psych computes it.

    Full double precision (Reliability.as_dict); NaN and undefined figures
    are null. The page rounds for display.
    """
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


# --- answering in pages ----------------------------------------------------------


@dataclass(frozen=True)
class AnswerPage:
    """One page of the questionnaire: the questions of one family of dimensions."""

    number: int  # from 1
    title: str
    codes: tuple[str, ...]


def answer_pages(spec: Spec) -> list[AnswerPage]:
    """The questionnaire split into short pages, one family of dimensions each.

    An item belongs to the family of its first dimension (in the instrument's
    order); items without a dimension go on the last page. Families come in
    the order of Family, each page keeps the items' order. Pure: made from
    the parsed instrument, no query.
    """
    family_of: dict[str, str] = {}
    for _code, family, members in spec.dimensions:
        for member in members:
            family_of.setdefault(member, family)
    groups: dict[str, list[str]] = {f.value: [] for f in Family}
    loose: list[str] = []
    for code in spec.item_codes:
        if code in family_of:
            groups.setdefault(family_of[code], []).append(code)
        else:
            loose.append(code)
    labels = dict(Family.choices)
    pages = [(str(labels.get(f, f)), c) for f, c in groups.items() if c]
    if loose:
        if pages:
            pages[-1] = (pages[-1][0], pages[-1][1] + loose)
        else:
            pages = [("", loose)]
    return [
        AnswerPage(number=i, title=title, codes=tuple(c))
        for i, (title, c) in enumerate(pages, start=1)
    ]
