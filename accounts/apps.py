from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from .permissions import sync_role_permissions

        # On every app's signal: permission rows for later apps exist only by then.
        post_migrate.connect(sync_role_permissions)
