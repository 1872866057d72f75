"""Compass endpoints of the REST API, under /api/compass/."""

from ninja import Router

router = Router(tags=["compass"])
