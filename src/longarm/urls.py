from django.urls import include, path

from longarm.accounts.access import public_view
from longarm.api.routes import api_urls
from longarm.core.views import language_switch

# The database restarted or unreachable mid-request: 503 "please try again", never a half-written record.
handler400 = "longarm.core.views.bad_request"
handler500 = "longarm.core.views.server_error"

# Django tries these in order for every request: the reporter's pages and the gate they pay come first, so
# that a reporter's request (the many of a visit through the questionnaire's steps) is not matched against
# the whole console first. No pattern below overlaps theirs (report/, mailbox/, gate/ and the home page).
urlpatterns = [
    path("", include("longarm.intake.urls")),
    path("", include("longarm.gate.urls")),
    path("console/", include("longarm.cases.urls")),
    path("console/evidence/", include("longarm.evidence.urls")),
    path("console/linking/", include("longarm.linking.urls")),
    path("console/federation/", include("longarm.federation.urls")),
    path("console/", include("longarm.accounts.urls")),
    path("console/audit/", include("longarm.audit.urls")),
    path("console/retention/", include("longarm.retention.urls")),
    path("console/notifications/", include("longarm.notifications.urls")),
    path("console/tokens/", include("longarm.api.urls")),
    path("console/releases/", include("longarm.analytics.publication.urls")),
    path("console/surveys/", include("longarm.analytics.surveys.urls")),
    path("console/analytics/", include("longarm.analytics.urls")),
    path("api/", api_urls()),
    path("", include("longarm.federation.public_urls")),
    path("i18n/setlang/", public_view(language_switch), name="set_language"),
    path("", include("longarm.operations.urls")),
    path("", include("longarm.guidance.urls")),
    path("", include("longarm.cases.attestations.public_urls")),
    path("", include("longarm.analytics.publication.public_urls")),
    path("", include("longarm.analytics.surveys.public_urls")),
]
