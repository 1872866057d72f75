"""Red tape reports: the Meningssamling queue, a reporter's own, a follow-up code."""

from django.db.models import QuerySet

from tillid.governance.models import RedTapeReport

# --- red tape ---------------------------------------------------------------------


def report_queue(*, scope, status: str = "") -> QuerySet[RedTapeReport]:
    qs = RedTapeReport.objects.select_related("item", "review", "unit")
    if not scope.everything:
        qs = qs.filter(scope.unit_q("unit__"))
    if status:
        qs = qs.filter(status=status)
    return qs


def reports_of(user) -> QuerySet[RedTapeReport]:
    return RedTapeReport.objects.filter(reporter=user).select_related("item")


def report_by_code_hash(code_hash: str) -> RedTapeReport | None:
    if not code_hash:
        return None
    return RedTapeReport.objects.filter(follow_up_hash=code_hash).select_related("item").first()
