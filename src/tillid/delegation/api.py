"""Delegation endpoints of the REST API, under /api/delegation/."""

from ninja import Router

router = Router(tags=["delegation"])
