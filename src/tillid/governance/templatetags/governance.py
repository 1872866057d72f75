from django import template

from tillid.governance.permissions import may_read_queue
from tillid.organisation.permissions import Perm, has_perm_anywhere

register = template.Library()


@register.simple_tag(takes_context=True)
def gov_can(context, perm: str) -> bool:
    """May the current user use `perm` somewhere? (For links; views check again.)"""
    request = context.get("request")
    return bool(request) and has_perm_anywhere(request.user, Perm(perm))


@register.simple_tag(takes_context=True)
def gov_reads_queue(context) -> bool:
    """May the current user read the Meningssamling queue? (For the link; views check again.)"""
    request = context.get("request")
    return bool(request) and may_read_queue(request.user)


@register.filter
def hours(burden) -> str:
    """Whole hours per year, grouped the Danish way."""
    from django.template.defaultfilters import floatformat

    return floatformat(burden.hours if burden else 0, "0g")


@register.filter
def dkk(burden) -> str:
    from django.template.defaultfilters import floatformat

    return floatformat(burden.dkk if burden else 0, "0g")
