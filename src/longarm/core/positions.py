"""Places within a parent, for rows whose primary keys are random (``core.ids``): a message's place in its
thread, a file's among its report's files, a custody step's in its file's log. Readers order by the place,
never by an id or a time."""

from typing import Any, ClassVar

from django.db import models, router, transaction


class TakesNextPlace(models.Model):
    """A new row takes the next place (1, 2, …) among the rows of its model under the same parent.

    The parent's row is locked first, so that two rows written at once (a reporter's message and a
    caseworker's, two files attached together, a download during processing) take one place after the
    other, never the same one. No service deletes a single row of these; were one to delete the last, the
    next would take its place, and a read mark that covered the deleted one would cover the new one too.
    """

    # The foreign key to the parent whose rows share one sequence of places.
    place_among: ClassVar[str]
    position: int

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or self.position:  # a place is never 0: none given yet
            super().save(*args, **kwargs)
            return
        model = type(self)
        parent = model._meta.get_field(self.place_among)
        assert isinstance(parent, models.ForeignKey)  # noqa: S101 - a model's own declaration
        parent_id = getattr(self, parent.attname)
        using = kwargs.get("using") or router.db_for_write(model, instance=self)
        with transaction.atomic(using=using):
            parents = parent.related_model._default_manager.using(using)
            list(parents.select_for_update(no_key=True).filter(pk=parent_id).values_list("pk"))
            siblings = model._default_manager.using(using).filter(**{parent.attname: parent_id})
            last = siblings.aggregate(last=models.Max("position"))["last"]
            self.position = (last or 0) + 1
            super().save(*args, **kwargs)
