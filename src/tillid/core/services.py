from django.db import transaction
from django.utils import timezone

from tillid.core.models import ApiToken, hash_token


@transaction.atomic
def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a key for `user`; returns the token and the raw key (shown once)."""
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[3:9], token_hash=hash_token(raw)
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, user, token_id: int) -> bool:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)
