"""Reads of releases: staff see every release; the public only approved ones, and only when the public
statistics page is switched on."""

import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from longarm.analytics.publication.models import PrivacyBudget, Release, ReleaseStatus


def releases_for_staff() -> QuerySet[Release]:
    return Release.objects.select_related("proposed_by", "decided_by")


def release_for_staff(*, public_id: uuid.UUID) -> Release:
    """The release, or 404."""
    try:
        return releases_for_staff().get(public_id=public_id)
    except Release.DoesNotExist:
        raise Http404 from None


def public_statistics_enabled() -> bool:
    return bool(settings.LONGARM_PUBLIC_STATISTICS)


def public_releases() -> QuerySet[Release]:
    """Approved releases, newest decision first; 404 while the public page is switched off."""
    if not public_statistics_enabled():
        raise Http404
    return Release.objects.filter(status=ReleaseStatus.APPROVED).order_by("-decided_at", "-id")


def public_release(*, public_id: uuid.UUID) -> Release:
    try:
        return public_releases().get(public_id=public_id)
    except Release.DoesNotExist:
        raise Http404 from None


def privacy_budgets() -> QuerySet[PrivacyBudget]:
    return PrivacyBudget.objects.order_by("scope")
