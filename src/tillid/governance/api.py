"""Governance endpoints of the REST API, under /api/governance/."""

from ninja import Router

router = Router(tags=["governance"])
