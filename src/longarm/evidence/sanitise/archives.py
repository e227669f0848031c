"""ZIP archives of exports: checked entry by entry while actually decompressing (declared sizes can lie),
with limits on entries, total size and compression ratio, so a ZIP bomb is stopped early. The derivative
is a listing of the contents (sizes and names, no times); the archive itself stays an original, for
investigators."""

import zipfile
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings

from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.workspace import Workspace

_READ_BYTES = 1024 * 1024
# Small entries compress absurdly well (a file of zeros); judge the ratio only past this size.
_RATIO_FLOOR = 1024 * 1024


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    ratio = settings.LONGARM_EVIDENCE_ZIP_MAX_RATIO
    total = 0
    with archive.open(info) as entry:
        while piece := entry.read(_READ_BYTES):
            total += len(piece)
            if total > budget or (total > _RATIO_FLOOR and total > ratio * max(info.compress_size, 1)):
                raise Unsanitisable(FailureReason.ARCHIVE_BOMB)
    return total


def sanitise_archive(source: Workspace, out: Workspace) -> Sanitised:
    budget = settings.LONGARM_EVIDENCE_ZIP_MAX_BYTES
    entries: list[dict[str, Any]] = []
    try:
        source.file.seek(0)
        with zipfile.ZipFile(source.file) as archive:
            infos = archive.infolist()
            if len(infos) > settings.LONGARM_EVIDENCE_ZIP_MAX_ENTRIES:
                raise Unsanitisable(FailureReason.TOO_MANY_ENTRIES)
            if sum(info.file_size for info in infos) > budget:
                raise Unsanitisable(FailureReason.ARCHIVE_BOMB)
            for info in infos:
                if info.flag_bits & 0x1 or _unsafe_name(info.filename):
                    raise Unsanitisable(FailureReason.UNSAFE_ARCHIVE)
                size = 0 if info.is_dir() else _inflate(archive, info, budget)
                budget -= size
                try:
                    modified = datetime(*info.date_time).isoformat()  # noqa: DTZ001 - ZIP times have no zone
                except ValueError:
                    modified = ""
                entries.append({"name": info.filename, "size": size, "modified": modified})
            comment = archive.comment.decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise Unsanitisable(FailureReason.DAMAGED) from None
    out.file.seek(0)
    out.file.truncate(0)
    # Sizes and names only: the entries' times say when and (through their zone) where files were made,
    # so they stay in the capture metadata, for investigators.
    for entry in entries:
        out.file.write(f"{entry['size']:>14}  {entry['name']}\n".encode())
    out.file.flush()
    metadata: dict[str, Any] = {"entries": entries}
    if comment:
        metadata["comment"] = comment
    return Sanitised(content_type="text/plain; charset=utf-8", metadata=metadata)
