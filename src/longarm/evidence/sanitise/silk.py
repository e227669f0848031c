"""SILK voice notes (WeChat): decoded to PCM in a sandboxed child (``silk_decode.py``), then encoded by the
ordinary audio path (``media.py``) from that WAV, so the copy is AAC in an M4A file like every other sound.
A SILK stream carries no tags, so there is no capture metadata but what the file is."""

import sys

from django.conf import settings

from longarm.evidence.detection import WAV
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason
from longarm.evidence.sanitise import Sanitised, sandbox, silk_decode
from longarm.evidence.sanitise.media import sanitise_media
from longarm.evidence.workspace import Workspace


def sanitise_silk(source: Workspace, out: Workspace) -> Sanitised:
    with Workspace() as pcm:
        status, _ = sandbox.run(
            [sys.executable, "-I", silk_decode.__file__, str(source.path), str(pcm.path)],
            fds=(source.fd, pcm.fd),
            seconds=settings.LONGARM_EVIDENCE_MEDIA_SECONDS,
            memory=int(settings.LONGARM_EVIDENCE_CHILD_MEMORY_MB) * 1024 * 1024,
            environment={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
        )
        if status != 0 or pcm.size() == 0:
            raise Unsanitisable(FailureReason.DAMAGED)
        result = sanitise_media(pcm, WAV, out)
    result.metadata = {"format": "SILK v3", "wechat": source.head(1) == b"\x02"}
    return result
