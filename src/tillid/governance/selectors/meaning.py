"""Meaningfulness: assessments by those governed, suppressed below the threshold,
and the ranking of high burden against low meaningfulness."""

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count

from tillid.governance.models import Assessment, Item, MeaningRelease, RedTapeReport, ReportStatus
from tillid.governance.selectors.engine import active_items, item_figures
from tillid.organisation.models import Person

# --- meaningfulness ------------------------------------------------------------


QUESTIONS = ("professional", "learning", "involving", "meaningful")


@dataclass
class Meaning:
    respondents: int
    shown: bool
    means: dict[str, float] = field(default_factory=dict)
    overall: float | None = None
    classification: str = "unknown"  # "with", "mixed", "against", "unknown"


def classify(overall: float | None) -> str:
    """Trust and governance as partners or opponents (Bentzen 2018: 64)."""
    if overall is None:
        return "unknown"
    if overall >= 3.5:
        return "with"
    if overall < 2.5:
        return "against"
    return "mixed"


def meaning(item_ids) -> dict[int, Meaning]:
    """Published assessment figures per item, shown from k respondents.

    The figures are those of the item's last release (models.MeaningRelease),
    renewed in batches of k people so that no two versions differ by one answer.
    """
    k = settings.TILLID_ANONYMITY_MIN_GROUP
    result = {}
    for release in MeaningRelease.objects.filter(item_id__in=item_ids):
        means = {q: getattr(release, q) for q in QUESTIONS}
        if release.respondents >= k and all(v is not None for v in means.values()):
            overall = sum(means.values()) / len(QUESTIONS)
            result[release.item_id] = Meaning(
                release.respondents, True, means, overall, classify(overall)
            )
        else:
            result[release.item_id] = Meaning(0, False)
    return result


def meaning_for(item: Item) -> Meaning:
    return meaning([item.pk]).get(item.pk, Meaning(0, False))


def comments(item: Item) -> list[str]:
    """Published comments in random order, without dates, from a large enough group."""
    release = MeaningRelease.objects.filter(item=item).first()
    if release is None or not release.comments_released:
        return []
    texts = list(release.comments)
    random.SystemRandom().shuffle(texts)
    return texts


def assessment_figures(item_id: int) -> dict:
    """The current means of an item's assessments (for publishing, never for a page)."""
    row = Assessment.objects.filter(item_id=item_id).aggregate(
        n=Count("id"), **{q: Avg(q) for q in QUESTIONS}
    )
    return {"n": row["n"], **{q: None if row[q] is None else float(row[q]) for q in QUESTIONS}}


def assessment_comments(item_id: int) -> list[str]:
    """The current comments of an item's assessments (for publishing, never for a page)."""
    return list(
        Assessment.objects.filter(item_id=item_id)
        .exclude(comment="")
        .values_list("comment", flat=True)
    )


def open_report_counts(item_ids=None) -> dict[int, int]:
    qs = RedTapeReport.objects.filter(item__isnull=False).exclude(status=ReportStatus.REJECTED)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    return dict(qs.values_list("item_id").annotate(n=Count("id")).values_list("item_id", "n"))


def ranking(limit: int | None = None) -> list[dict]:
    """Active items, high burden × low meaningfulness first; red tape reports add weight.

    friction = (5 − mean of the four answers) / 4, or ½ while too few have
    answered; priority = hours × (friction + 0.1 × reports).
    """
    figures = item_figures(active_items())
    ids = list(figures)
    meanings = meaning(ids)
    reports = open_report_counts(ids)
    rows: list[dict[str, Any]] = []
    for pk, fig in figures.items():
        m = meanings.get(pk, Meaning(0, False))
        friction = (5 - m.overall) / 4 if m.shown and m.overall is not None else 0.5
        n_reports = reports.get(pk, 0)
        rows.append(
            {
                "item_id": pk,
                "burden": fig.burden,
                "meaning": m,
                "reports": n_reports,
                "priority": fig.burden.hours * (friction + 0.1 * n_reports),
            }
        )
    rows.sort(key=lambda r: (-r["priority"], r["item_id"]))
    if limit:
        rows = rows[:limit]
    items = Item.objects.in_bulk([r["item_id"] for r in rows])
    for r in rows:
        r["item"] = items[r["item_id"]]
    return rows


def assessment_key_exists(item: Item, key: str) -> Assessment | None:
    return Assessment.objects.filter(item=item, respondent_key=key).first()


def answered_items(keys: dict[int, str]) -> set[int]:
    """Which of the items (id → the person's respondent key) the person has assessed."""
    if not keys:
        return set()
    found = Assessment.objects.filter(
        item_id__in=list(keys), respondent_key__in=list(keys.values())
    ).values_list("item_id", "respondent_key")
    return {item_id for item_id, key in found if keys.get(item_id) == key}


def respondent_key(item: Item, person: Person) -> str:
    """A keyed hash of (item, person): the same person gets the same key per item only."""
    message = f"governance-assessment:{item.pk}:{person.pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def own_assessment(item: Item, person: Person | None) -> Assessment | None:
    if person is None:
        return None
    return assessment_key_exists(item, respondent_key(item, person))
