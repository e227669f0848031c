"""django-tasks-db's worker loop, with its loggers left where ``settings.LOGGING`` puts them.

Its ``db_worker`` command sets the task loggers to INFO at the default verbosity, whatever the settings say,
and then logs every task it runs with its arguments and the time to the millisecond: one line per report as it
arrives (its outbox event), one per file a reporter uploads, in order — which would date each of them far
more finely than anything kept about a reporter (to the day). Verbosity 0 would silence them, but also the
errors of failed tasks, which operators need.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class DatabaseWorker(DatabaseWorkerCommand):
    def configure_logging(self, verbosity: int) -> None:
        """Nothing: the levels and handlers of ``settings.LOGGING`` stand (task loggers at WARNING)."""
