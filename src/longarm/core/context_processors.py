from django.conf import settings
from django.http import HttpRequest


def reporter_safety(request: HttpRequest) -> dict[str, str]:
    return {"quick_exit_url": settings.LONGARM_QUICK_EXIT_URL}
