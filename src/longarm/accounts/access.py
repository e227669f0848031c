"""The one gate in front of every staff view: logged in, second factor verified, keys unlocked, role
allowed."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from longarm.accounts.exceptions import KeysLocked
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_private_key

P = ParamSpec("P")
StaffView = Callable[Concatenate[HttpRequest, P], HttpResponse]


def acting_staff(request: HttpRequest) -> StaffUser:
    user = request.user
    if not isinstance(user, StaffUser):
        raise PermissionDenied
    return user


def staff_view(*roles: Role) -> Callable[[StaffView[P]], StaffView[P]]:
    """Allow the view only to verified staff holding one of ``roles`` whose private key is unlocked."""
    allowed = frozenset(roles)

    def decorate(view: StaffView[P]) -> StaffView[P]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            user = request.user
            verified = getattr(user, "is_verified", lambda: False)()
            if not isinstance(user, StaffUser) or not user.is_active or not verified:
                return redirect_to_login(request.get_full_path())
            try:
                staff_private_key(request)
            except KeysLocked:
                return redirect_to_login(request.get_full_path())
            if user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]  # functools.wraps types lose the ParamSpec

    return decorate
