from django.tasks import task

from longarm.core.outbox import outbox_deliver, outbox_purge_finished_tasks


@task()
def deliver_outbox_event(event_id: int) -> int:
    """Deliver one outbox event to the subscribers that have not handled it; safe to run again."""
    # The rows of earlier deliveries go first: each dates a report's arrival to the second.
    outbox_purge_finished_tasks()
    return outbox_deliver(event_id=event_id)
