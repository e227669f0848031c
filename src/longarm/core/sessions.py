"""Django's database sessions, with two changes (threat model §5.2).

- A session-key cycle (log-in, receipt log-in, submission, password change) tells its listeners, so that the
  session vault mints a new key then (``core.session_vault``): a cookie an attacker planted before the cycle
  never keeps what is stored after it.
- A cycle writes once, at the response: Django inserts the session under its new key, deletes the old row
  and then updates the new one — three commits, each holding SQLite's write lock through its sync, on every
  submission and log-in. Here the new key is made, and the old row deleted, in the one save at the
  response, in one transaction, with plain SQL.
  Until then the old row keeps only what it held before the cycle.
- A session is read and updated with one plain SQL statement each, not through the ORM: every request of a
  reporter's visit reads its session and most write it, and the ORM's query building cost about 2 ms of CPU a
  request for the two (issue 13, ``benchmarks/intake_cpu.py``). Creating a session (once per visit) and
  everything else stays Django's.
- A reporter's session row keeps a coarse expiry. Django stores "last change + session age" to the
  microsecond, which would date a reporter's last request far more finely than anything else we keep about
  them. Staff sessions keep the exact expiry: their times are audited anyway, and their idle limit is exact.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    router,
    transaction,
)
from django.db.models import Field
from django.utils import timezone
from django.utils.crypto import get_random_string

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

    def delete(self, session_key: str | None = None) -> None:
        """Delete the row of ``session_key`` (by default this session's), and with this session's own, the
        rows of every key it cycled away from in this request but has not saved since: ``flush`` after
        ``cycle_key`` (a log-out right after a log-in, a receipt log-in then "leave") has no key of its own
        to delete, and the old row would stay, holding what it held, until it expires."""
        if session_key is not None:
            super().delete(session_key)
            return
        replaced, self._replaced = self._replaced, []
        if replaced:
            self.model.objects.using(router.db_for_write(self.model)).filter(
                session_key__in=replaced
            ).delete()
        super().delete()

    async def adelete(self, session_key: str | None = None) -> None:
        if session_key is not None:
            await super().adelete(session_key)
            return
        replaced, self._replaced = self._replaced, []
        if replaced:
            await (
                self.model.objects.using(router.db_for_write(self.model))
                .filter(session_key__in=replaced)
                .adelete()
            )
        await super().adelete()

    def _save(self, must_create: bool) -> None:
        replaced, self._replaced = self._replaced, []
        if not replaced:
            self._save_row(must_create)
            return
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            self._save_row(must_create)
            table, key, _data, _expiry = self._sql_names(using)
            marks = ", ".join(["%s"] * len(replaced))
            with connections[using].cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", replaced)  # noqa: S608

    def _save_row(self, must_create: bool) -> None:
        if self.session_key is None:
            self._insert_row(router.db_for_write(self.model))
        elif must_create:
            super().save(must_create)  # a new row under a key already drawn: Django's own create
        else:
            self._update_row()

    def _insert_row(self, using: str) -> None:
        """Django's ``create`` of a row under a new key, as one plain INSERT (a first save, or a cycle: a
        submission, a log-in). The key is drawn without asking whether it is taken (32 random characters);
        the insert refuses a taken one, and another is drawn."""
        connection = connections[using]
        table, key, data, expiry = self._sql_names(using)
        session = dict(self.items())
        while True:
            self._session_key = get_random_string(32, VALID_KEY_CHARS)
            instance = self.create_model_instance(session)
            try:
                with transaction.atomic(using=using), connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {table} ({key}, {data}, {expiry}) VALUES (%s, %s, %s)",  # noqa: S608
                        [
                            instance.session_key,
                            instance.session_data,
                            connection.ops.adapt_datetimefield_value(instance.expire_date),
                        ],
                    )
            except IntegrityError:
                continue
            self.modified = True
            return

    def _sql_names(self, using: str) -> tuple[str, str, str, str]:
        """The table and its three columns, quoted for the database ``using``."""
        quote, meta = connections[using].ops.quote_name, self.model._meta
        columns = [meta.get_field(name) for name in ("session_key", "session_data", "expire_date")]
        key, data, expiry = (
            quote(column.column or column.name) for column in columns if isinstance(column, Field)
        )
        return quote(meta.db_table), key, data, expiry

    def _update_row(self) -> None:
        """Django's update of an existing session row (``save(must_create=False)``) as one statement: the new
        data and expiry, or ``UpdateError`` when the row is gone (it expired, or was deleted meanwhile)."""
        # What Django's save writes: the data as this request left it (the session's cache, loaded if unread).
        instance = self.create_model_instance(dict(self.items()))
        using = router.db_for_write(self.model, instance=instance)
        connection = connections[using]
        table, key, data, expiry = self._sql_names(using)
        try:
            # A savepoint, as Django's own save has: a request may save its session inside a transaction of
            # its own (a view under ``atomic``), and on PostgreSQL a failed statement outside one would leave
            # that transaction unusable, every later query refused, after the failure became UpdateError.
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {data} = %s, {expiry} = %s WHERE {key} = %s",  # noqa: S608 - names quoted
                    [
                        instance.session_data,
                        connection.ops.adapt_datetimefield_value(instance.expire_date),
                        instance.session_key,
                    ],
                )
                updated = cursor.rowcount
        except (OperationalError, InterfaceError):
            raise  # the database is restarting or unreachable: a 503, not "the session was deleted"
        except DatabaseError as error:
            raise UpdateError from error
        if updated != 1:
            raise UpdateError

    def load(self) -> dict[str, Any]:
        """Django's read of the session row (unexpired, by key) as one statement; an empty session, and no
        key, when there is no such row."""
        using = router.db_for_read(self.model)
        connection = connections[using]
        table, key, data, expiry = self._sql_names(using)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s",  # noqa: S608 - names quoted
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        loaded: dict[str, Any] = self.decode(row[0])
        return loaded

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
