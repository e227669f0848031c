"""Which backups were made, so that `longarm retention apply` can say which of them still hold what it
shreds (crypto-shredding is complete only when the last backup made before it is gone)."""

from django.db import models


class BackupRecord(models.Model):
    created_on = models.DateField()
    file_name = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_on})"
