from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "longarm.accounts"
    label = "accounts"
