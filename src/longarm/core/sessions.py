"""Django's database sessions, with two changes (threat model §5.2).

- A session-key cycle (log-in, receipt log-in, submission, password change) tells its listeners, so that the
  session vault mints a new key then (``core.session_vault``): a cookie an attacker planted before the cycle
  never keeps what is stored after it.
- A cycle writes once, at the response: Django inserts the session under its new key, deletes the old row
  and then updates the new one — three commits, each holding SQLite's write lock through its sync, on every
  submission and log-in. Here the new key is made, and the old row deleted, in the one save at the
  response, in one transaction. Until then the old row keeps only what it held before the cycle.
- A reporter's session row keeps a coarse expiry. Django stores "last change + session age" to the
  microsecond, which would date a reporter's last request far more finely than anything else we keep about
  them. Staff sessions keep the exact expiry: their times are audited anyway, and their idle limit is exact.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import InterfaceError, OperationalError, router, transaction

# A reporter's session ends on the first whole hour after "last change + LONGARM_SESSION_SECONDS" (or the
# first whole multiple of a shorter session age), so the row dates their last request to the hour at best.
REPORTER_EXPIRY_STEP = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def coarse_expiry(exact: datetime, *, age: timedelta) -> datetime:
    """``exact`` rounded up to the next multiple of an hour (or of ``age``, when that is shorter)."""
    step = min(REPORTER_EXPIRY_STEP, age)
    steps = -((exact - _EPOCH) // -step)  # ceiling division of timedeltas
    return _EPOCH + steps * step


class SessionStore(DatabaseSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cycle_listeners: list[Callable[[], None]] = []
        self._replaced: list[str] = []

    def on_cycle(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change of the session key (the data is kept by then)."""
        self._cycle_listeners.append(listener)

    def cycle_key(self) -> None:
        data = dict(self.items())
        previous = self.session_key
        # No key until the save: ``save`` then creates the row under a new one and deletes the old.
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if previous:
            self._replaced.append(previous)
        for listener in self._cycle_listeners:
            listener()

    def save(self, must_create: bool = False) -> None:
        try:
            self._save(must_create)
        except UpdateError as error:
            # Django turns every database error of an update into UpdateError, which its middleware answers
            # with 400 ("the session was deleted"). A database that is restarting or unreachable is not that:
            # the error goes on as itself, and the visitor gets the 503 "please try again" page.
            if isinstance(error.__context__, OperationalError | InterfaceError):
                raise error.__context__ from None
            raise

    def _save(self, must_create: bool) -> None:
        replaced, self._replaced = self._replaced, []
        if not replaced:
            super().save(must_create)
            return
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            super().save(must_create)
            self.model.objects.using(using).filter(session_key__in=replaced).delete()

    async def acycle_key(self) -> None:
        await super().acycle_key()
        for listener in self._cycle_listeners:
            listener()

    def _coarsened(self, instance: AbstractBaseSession, data: dict[str, Any]) -> AbstractBaseSession:
        if SESSION_KEY not in data:
            instance.expire_date = coarse_expiry(
                instance.expire_date, age=timedelta(seconds=self.get_session_cookie_age())
            )
        return instance

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self._coarsened(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self._coarsened(await super().acreate_model_instance(data), data)
