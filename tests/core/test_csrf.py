import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("intake:mailbox_login"))
    return client, client.cookies["csrftoken"].value


def test_a_same_origin_post_with_a_null_origin_passes(cast: object) -> None:
    client, token = csrf_client()
    response = client.post(
        reverse("intake:mailbox_login"),
        {"receipt": "1" * 20, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 200


def test_a_null_origin_from_another_site_is_refused() -> None:
    client, token = csrf_client()
    response = client.post(
        reverse("intake:mailbox_login"),
        {"receipt": "1" * 20, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403


def test_a_same_origin_post_without_the_token_is_refused() -> None:
    client, _ = csrf_client()
    response = client.post(
        reverse("intake:mailbox_login"),
        {"receipt": "1" * 20},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 403
