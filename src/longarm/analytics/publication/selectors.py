"""Reads of releases: staff see every release; the public only approved ones, and only when the public
statistics page is switched on."""

import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from longarm.analytics.publication.models import (
    NoiseMechanism,
    PrivacyBudget,
    Release,
    ReleaseKind,
    ReleaseStatus,
)


def releases_for_staff() -> QuerySet[Release]:
    return Release.objects.select_related("proposed_by", "decided_by", "withdrawn_by")


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


def public_listing() -> QuerySet[Release]:
    """What the public page lists: approved releases, and withdrawn ones (said to be withdrawn, with their
    date, instead of silently disappearing); 404 while the page is switched off."""
    if not public_statistics_enabled():
        raise Http404
    return Release.objects.filter(status__in=(ReleaseStatus.APPROVED, ReleaseStatus.WITHDRAWN)).order_by(
        "-decided_at", "-id"
    )


def public_release(*, public_id: uuid.UUID) -> Release:
    try:
        return public_releases().get(public_id=public_id)
    except Release.DoesNotExist:
        raise Http404 from None


def privacy_budgets() -> QuerySet[PrivacyBudget]:
    return PrivacyBudget.objects.order_by("scope")


def _cells(release: Release) -> tuple[frozenset[str], dict[str, str]]:
    return frozenset(filter(None, (release.row_dimension, release.column_dimension))), release.filters


def noise_defeating_releases(release: Release) -> list[Release]:
    """Published tables that cover the same cells as ``release`` (same dimensions, either way round, and the
    same filters) where one is exact and the other noisy: the exact one gives away the counts the noise hides.
    Empty for open data."""
    if release.kind != ReleaseKind.TABLE:
        return []
    exact = release.mechanism == NoiseMechanism.NONE
    candidates = (
        Release.objects.filter(kind=ReleaseKind.TABLE, status=ReleaseStatus.APPROVED)
        .exclude(pk=release.pk)
        .filter(row_dimension__in=_cells(release)[0])
        .defer("content")
        .order_by("-decided_at", "-id")
    )
    if exact:
        candidates = candidates.exclude(mechanism=NoiseMechanism.NONE)
    else:
        candidates = candidates.filter(mechanism=NoiseMechanism.NONE)
    return [other for other in candidates if _cells(other) == _cells(release)]
