"""Trials endpoints of the REST API, under /api/trials/."""

from ninja import Router

router = Router(tags=["trials"])
