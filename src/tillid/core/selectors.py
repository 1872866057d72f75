from datetime import timedelta

from django.utils import timezone

from tillid.core.models import ApiToken, hash_token


def user_for_api_token(raw: str):
    """The active user behind a raw API key, or None."""
    if not raw or not raw.startswith("tl_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Record use at most once a minute, so API reads stay reads.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_tokens_for(user):
    return ApiToken.objects.filter(user=user)
