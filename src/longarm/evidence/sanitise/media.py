"""Audio and video: decoded and encoded again by ffmpeg, never remuxed, so no byte of the original's streams
reaches the copy (nor a browser that plays it): sound becomes AAC in an MP4 (M4A) file, video H.264 with AAC
sound in an MP4 at most 1280 pixels on its long side and 30 frames a second. Only the first real video stream
and the first audio stream are kept: attached pictures (cover art, with their own EXIF and GPS), data tracks
(GPS logs), subtitles, chapters and every tag are dropped. ffmpeg runs in the sandbox (``sandbox.py``), the
demuxer forced from the detected type and only local file access allowed."""

from functools import cache
from typing import Any

import imageio_ffmpeg  # type: ignore[import-untyped]  # ships no type hints
from django.conf import settings

from longarm.evidence.detection import DetectedType
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import EvidenceKind, FailureReason
from longarm.evidence.sanitise import Sanitised, sandbox
from longarm.evidence.sanitise.images import preview_from_frame
from longarm.evidence.workspace import Workspace

# content type: demuxer
_DEMUXERS = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "video/3gpp": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "video/x-msvideo": "avi",
    "video/x-ms-asf": "asf",
    "audio/mp4": "mov",
    "audio/aac": "aac",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/amr": "amr",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/aiff": "aiff",
}
_BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
_NO_METADATA = [
    "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
    "-dn", "-sn",
]  # fmt: skip
_AUDIO = ["-c:a", "aac", "-b:a", "96k", "-af", "aformat=channel_layouts=mono|stereo"]
_SCALE = "scale=w='min(1280,iw)':h='min(1280,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2"
_VIDEO = [
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-fpsmax", "30",
    "-vf", _SCALE,
]  # fmt: skip
_FRAME_LIMIT = 16 * 1024 * 1024


@cache
def ffmpeg() -> str:
    return settings.LONGARM_FFMPEG or imageio_ffmpeg.get_ffmpeg_exe()


def _run(arguments: list[str], *, fds: tuple[int, ...]) -> tuple[int, bytes]:
    # The output is never logged: ffmpeg's messages can quote the file's metadata.
    return sandbox.run(
        [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", *arguments],
        fds=fds,
        seconds=settings.LONGARM_EVIDENCE_MEDIA_SECONDS,
        memory=int(settings.LONGARM_EVIDENCE_CHILD_MEMORY_MB) * 1024 * 1024,
    )


def _input(demuxer: str, source: Workspace) -> list[str]:
    return ["-protocol_whitelist", "file", "-f", demuxer, "-i", str(source.path)]


def _unescape(value: str) -> str:
    out, escaped = [], False
    for char in value:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def _tags(demuxer: str, source: Workspace, *, stream: str | None) -> dict[str, str] | None:
    selection = ["-map_metadata", f"0:s:{stream}"] if stream else []
    status, output = _run(
        [*_input(demuxer, source), *selection, "-fflags", "+bitexact", "-f", "ffmetadata", "pipe:1"],
        fds=(source.fd,),
    )
    if status != 0:
        return None
    tags: dict[str, str] = {}
    for line in output.decode("utf-8", errors="replace").splitlines():
        if not line or line.startswith((";", "#", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        tags[_unescape(key)] = _unescape(value)
    return tags


def media_metadata(demuxer: str, source: Workspace) -> dict[str, Any]:
    """Container tags, and those of the first video and audio streams (phones put the creation time and
    location in either)."""
    container = _tags(demuxer, source, stream=None)
    if container is None:
        raise Unsanitisable(FailureReason.DAMAGED)
    metadata: dict[str, Any] = {"tags": container}
    for name, stream in (("video_tags", "v:0"), ("audio_tags", "a:0")):
        if tags := _tags(demuxer, source, stream=stream):
            metadata[name] = tags
    return metadata


def _poster(copy: Workspace) -> bytes | None:
    """A frame of the copy (our own encoding), as a JPEG preview."""
    status, output = _run(
        [
            "-protocol_whitelist", "file", "-f", "mp4", "-i", str(copy.path),
            "-map", "0:V:0", "-frames:v", "1", "-vf", "scale='min(640,iw)':-2",
            "-map_metadata", "-1", *_BITEXACT, "-c:v", "png", "-f", "image2pipe", "pipe:1",
        ],
        fds=(copy.fd,),
    )  # fmt: skip
    if status != 0 or not output or len(output) > _FRAME_LIMIT:
        return None
    return preview_from_frame(output)


def sanitise_media(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    demuxer = _DEMUXERS[detected.content_type]
    metadata = media_metadata(demuxer, source)
    out.file.seek(0)
    out.file.truncate(0)
    video = detected.kind == EvidenceKind.VIDEO
    # 0:V is a real video stream, never an attached picture (cover art); a video without one keeps its sound.
    streams = (
        ["-map", "0:V:0?", "-map", "0:a:0?", *_VIDEO, *_AUDIO] if video else ["-map", "0:a:0", "-vn", *_AUDIO]
    )
    arguments = [
        *_input(demuxer, source),
        *streams,
        *_NO_METADATA,
        *_BITEXACT,
        "-threads", "2", "-movflags", "+faststart",
        "-f", "mp4" if video else "ipod", "-y", str(out.path),
    ]  # fmt: skip
    status, _ = _run(arguments, fds=(source.fd, out.fd))
    if status != 0 or out.size() == 0:
        raise Unsanitisable(FailureReason.DAMAGED)
    preview = _poster(out) if video else None
    return Sanitised(content_type="video/mp4" if video else "audio/mp4", metadata=metadata, preview=preview)
