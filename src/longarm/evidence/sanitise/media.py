"""Audio and video: remuxed by ffmpeg without re-encoding, keeping only the audio and video streams and
none of the metadata (global, per stream, chapters, data tracks such as GPS logs). The demuxer is forced
from the detected type and only local file access is allowed, so a hostile file cannot make ffmpeg fetch
anything or read other files."""

import subprocess
from functools import cache
from typing import Any

import imageio_ffmpeg  # type: ignore[import-untyped]  # ships no type hints
from django.conf import settings

from longarm.evidence.detection import DetectedType
from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import EvidenceKind, FailureReason
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.sanitise.images import preview_from_frame
from longarm.evidence.workspace import Workspace

# content type: (demuxer, muxer, derivative content type)
_FORMATS = {
    "video/mp4": ("mov", "mp4", "video/mp4"),
    "video/quicktime": ("mov", "mov", "video/quicktime"),
    "video/3gpp": ("mov", "3gp", "video/3gpp"),
    "video/webm": ("matroska", "webm", "video/webm"),
    "audio/mp4": ("mov", "ipod", "audio/mp4"),
    "audio/aac": ("aac", "adts", "audio/aac"),
    "audio/mpeg": ("mp3", "mp3", "audio/mpeg"),
    "audio/ogg": ("ogg", "ogg", "audio/ogg"),
    "audio/amr": ("amr", "amr", "audio/amr"),
    "audio/wav": ("wav", "wav", "audio/wav"),
}
_ISO_MUXERS = {"mp4", "mov", "3gp", "ipod"}
_BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
_FRAME_LIMIT = 16 * 1024 * 1024


@cache
def ffmpeg() -> str:
    return settings.LONGARM_FFMPEG or imageio_ffmpeg.get_ffmpeg_exe()


def _run(arguments: list[str], *, fds: tuple[int, ...]) -> subprocess.CompletedProcess[bytes]:
    command = [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", *arguments]
    try:
        # The output is never logged: ffmpeg's messages can quote the file's metadata.
        return subprocess.run(  # noqa: S603 - fixed executable, arguments built here
            command,
            pass_fds=fds,
            capture_output=True,
            timeout=settings.LONGARM_EVIDENCE_MEDIA_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Unsanitisable(FailureReason.TIMEOUT) from None


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
    result = _run(
        [*_input(demuxer, source), *selection, "-fflags", "+bitexact", "-f", "ffmetadata", "pipe:1"],
        fds=(source.fd,),
    )
    if result.returncode != 0:
        return None
    tags: dict[str, str] = {}
    for line in result.stdout.decode("utf-8", errors="replace").splitlines():
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


def _poster(demuxer: str, source: Workspace) -> bytes | None:
    result = _run(
        [
            *_input(demuxer, source),
            "-map", "0:v:0", "-frames:v", "1", "-vf", "scale='min(640,iw)':-2",
            "-map_metadata", "-1", *_BITEXACT, "-c:v", "png", "-f", "image2pipe", "pipe:1",
        ],
        fds=(source.fd,),
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout or len(result.stdout) > _FRAME_LIMIT:
        return None
    return preview_from_frame(result.stdout)


def sanitise_media(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    demuxer, muxer, content_type = _FORMATS[detected.content_type]
    metadata = media_metadata(demuxer, source)
    out.file.seek(0)
    out.file.truncate(0)
    arguments = [
        *_input(demuxer, source),
        "-map", "0:v?", "-map", "0:a?", "-dn", "-sn", "-c", "copy",
        "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
        *_BITEXACT,
    ]  # fmt: skip
    if muxer in _ISO_MUXERS:
        arguments += ["-movflags", "+faststart"]
    if muxer == "mp3":
        arguments += ["-write_id3v1", "0", "-write_xing", "0"]
    arguments += ["-f", muxer, "-y", str(out.path)]
    result = _run(arguments, fds=(source.fd, out.fd))
    if result.returncode != 0 or out.size() == 0:
        raise Unsanitisable(FailureReason.DAMAGED)
    preview = _poster(demuxer, source) if detected.kind == EvidenceKind.VIDEO else None
    return Sanitised(content_type=content_type, metadata=metadata, preview=preview)
