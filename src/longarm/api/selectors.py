from django.db.models import QuerySet
from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.api.models import ApiToken


def tokens_for_user(*, user: StaffUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_for_user(*, user: StaffUser, token_id: int) -> ApiToken:
    """One of ``user``'s own tokens; 404 for anyone else's."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    return token
