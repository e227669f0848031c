"""The one gate in front of every staff view: logged in, second factor verified, keys unlocked, role
allowed (DESIGN §5).

Every view the project routes carries its rule: ``staff_view`` records the roles it admits as
``longarm_roles`` and ``public_view`` marks reporter-facing and login pages with ``longarm_public``. The
access-matrix test reads both from every URL pattern and fails on a view that has neither.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from longarm.accounts.exceptions import KeysLocked
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.passkeys import ENROLMENT_ONLY
from longarm.accounts.services import staff_private_key

P = ParamSpec("P")
StaffView = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def acting_staff(request: HttpRequest) -> StaffUser:
    user = request.user
    if not isinstance(user, StaffUser):
        raise PermissionDenied
    return user


def staff_view(*roles: Role, enrolment: bool = False) -> Callable[[StaffView[P]], StaffView[P]]:
    """Allow the view only to verified staff holding one of ``roles`` whose private key is unlocked.

    A session limited to enrolling a passkey (``passkeys.ENROLMENT_ONLY``) reaches only views marked
    ``enrolment``; every other page sends it to the security page.
    """
    allowed = frozenset(roles)

    def decorate(view: StaffView[P]) -> StaffView[P]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
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
            if not enrolment and request.session.get(ENROLMENT_ONLY):
                return redirect("accounts:security")
            return view(request, *args, **kwargs)

        guarded.longarm_roles = allowed  # type: ignore[attr-defined]  # the rule, read by the access matrix
        return guarded  # type: ignore[return-value]  # functools.wraps types lose the ParamSpec

    return decorate


def public_view[V: Callable[..., Any]](view: V) -> V:
    """Mark a view as open to anyone (reporters, the login page, language switching).

    It changes nothing at run time; it states that no role rule was forgotten. Django's own views are wrapped
    rather than marked, so that the mark never leaks onto the function Django shares with other URLs.
    """

    @wraps(view)
    def public(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    public.longarm_public = True  # type: ignore[attr-defined]  # read by the access matrix
    return public  # type: ignore[return-value]  # same signature as ``view``
