from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from tillid.core.indicators import Scope
from tillid.core.viewkit import require
from tillid.organisation.permissions import Perm, has_perm_anywhere
from tillid.overview import selectors


@login_required
def overview(request):
    require(has_perm_anywhere(request.user, Perm.VIEW_OVERVIEW))
    period = selectors.default_period(today=timezone.localdate())
    tracks = selectors.indicators_by_track(scope=Scope(), period=period)
    return render(request, "overview/overview.html", {"tracks": tracks, "period": period})
