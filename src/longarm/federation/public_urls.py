"""The endpoint partner deployments call: requests are authenticated by signature, not by a session."""

from django.urls import path

from longarm.federation import endpoint

app_name = "federation_endpoint"

urlpatterns = [
    path("federation/psi", endpoint.partner_request, {"action": "psi"}, name="psi"),
    path("federation/answer", endpoint.partner_request, {"action": "answer"}, name="answer"),
    path("federation/message", endpoint.partner_request, {"action": "message"}, name="message"),
]
