from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.notifications.forms import DigestForm
from longarm.notifications.models import DigestSubscription
from longarm.notifications.services import digest_subscribe, digest_unsubscribe


@staff_view(*Role)
@require_http_methods(["GET", "POST"])
def digest_settings(request: HttpRequest) -> HttpResponse:
    staff = acting_staff(request)
    current = DigestSubscription.objects.filter(staff=staff).first()
    initial = {"wanted": current is not None, "address": current.address if current else staff.email}
    form = DigestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["wanted"]:
            digest_subscribe(staff=staff, address=form.cleaned_data["address"])
            messages.success(request, _("The digest will come to that address."))
        else:
            digest_unsubscribe(staff=staff)
            messages.success(request, _("You will get no digest."))
        return redirect("notifications:digest")
    return render(
        request, "notifications/digest_settings.html", {"form": form, "schedule": settings.LONGARM_DIGEST}
    )
