"""Audio and video: decoded and encoded again by ffmpeg, never remuxed, so no byte of the original's streams
reaches the copy (nor a browser that plays it): sound becomes AAC in an MP4 (M4A) file, video H.264 with AAC
sound in an MP4 at most 1280 pixels on its long side and 30 frames a second. Only the first real video stream
and the first audio stream are kept: attached pictures (cover art, with their own EXIF and GPS), data tracks
(GPS logs), subtitles, chapters and every tag are dropped. ffmpeg runs in the sandbox (``sandbox.py``), the
demuxer forced from the detected type and only local file access allowed."""

import re
from dataclasses import dataclass
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


def _run(arguments: list[str], *, fds: tuple[int, ...], loglevel: str = "error") -> tuple[int, bytes, bytes]:
    # The output is never logged: ffmpeg's messages can quote the file's metadata.
    return sandbox.run_capturing(
        [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", loglevel, *arguments],
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


def _parse_tags(output: bytes) -> dict[str, str]:
    tags: dict[str, str] = {}
    for line in output.decode("utf-8", errors="replace").splitlines():
        if not line or line.startswith((";", "#", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        tags[_unescape(key)] = _unescape(value)
    return tags


# The input's streams as ffmpeg lists them on standard error ("  Stream #0:1[0x2](und): Audio: aac ..."), up
# to the output's listing. Only which kinds exist is read from it; every tag comes from ffmetadata, escaped.
_STREAM = re.compile(r"^\s+Stream #0:\d+\S*: (Video|Audio|Subtitle|Data|Attachment): (.*)$")
_NOT_A_PICTURE = ("(attached pic)", "(timed thumbnails)")


@dataclass(frozen=True)
class _Streams:
    any_video: bool = False  # v:0: a video stream or an attached picture
    real_video: bool = False  # V:0: a video stream that is not an attached picture
    audio: bool = False


def _streams(listing: bytes) -> _Streams:
    any_video = real_video = audio = False
    for line in listing.decode("utf-8", errors="replace").splitlines():
        if line.startswith(("Stream mapping:", "Output #")):
            break
        if not (found := _STREAM.match(line)):
            continue
        if found.group(1) == "Audio":
            audio = True
        elif found.group(1) == "Video":
            any_video = True
            real_video = real_video or not found.group(2).rstrip().endswith(_NOT_A_PICTURE)
    return _Streams(any_video=any_video, real_video=real_video, audio=audio)


def _probe(demuxer: str, source: Workspace) -> tuple[dict[str, str], _Streams]:
    """The container's tags and which streams there are, in one short run that decodes nothing."""
    status, output, listing = _run(
        [*_input(demuxer, source), "-fflags", "+bitexact", "-f", "ffmetadata", "pipe:1"],
        fds=(source.fd,),
        loglevel="info",
    )
    if status != 0:
        raise Unsanitisable(FailureReason.DAMAGED)
    return _parse_tags(output), _streams(listing)


def _preview(frame: bytes) -> bytes | None:
    if not frame or len(frame) > _FRAME_LIMIT:
        return None
    return preview_from_frame(frame)


def sanitise_media(source: Workspace, detected: DetectedType, out: Workspace) -> Sanitised:
    """Container tags and stream kinds first (a run that decodes nothing), then one run of ffmpeg that
    decodes the input once and writes the copy, a poster frame for a video and the tags of the first video
    and audio streams (phones put the creation time and location in either)."""
    demuxer = _DEMUXERS[detected.content_type]
    container, streams = _probe(demuxer, source)
    metadata: dict[str, Any] = {"tags": container}
    out.file.seek(0)
    out.file.truncate(0)
    video = detected.kind == EvidenceKind.VIDEO
    # 0:V is a real video stream, never an attached picture (cover art); a video without one keeps its sound.
    copy_streams = (
        ["-map", "0:V:0?", "-map", "0:a:0?", *_VIDEO, *_AUDIO] if video else ["-map", "0:a:0", "-vn", *_AUDIO]
    )
    arguments = [
        *_input(demuxer, source),
        *copy_streams,
        *_NO_METADATA,
        *_BITEXACT,
        "-threads", "2", "-movflags", "+faststart",
        "-f", "mp4" if video else "ipod", "-y", str(out.path),
    ]  # fmt: skip
    with Workspace() as video_tags, Workspace() as audio_tags:
        fds = [source.fd, out.fd]
        if video and streams.real_video:
            # The poster: the first frame, decoded in this same run; Pillow encodes its pixels again.
            arguments += [
                "-map", "0:V:0", "-frames:v", "1", "-vf", "scale='min(640,iw)':-2",
                "-map_metadata", "-1", *_BITEXACT, "-c:v", "png", "-f", "image2pipe", "pipe:1",
            ]  # fmt: skip
        for wanted, selection, target in (
            (streams.any_video, "v:0", video_tags),
            (streams.audio, "a:0", audio_tags),
        ):
            if wanted:
                arguments += [
                    "-map_metadata", f"0:s:{selection}", "-fflags", "+bitexact",
                    "-f", "ffmetadata", str(target.path),
                ]  # fmt: skip
                fds.append(target.fd)
        status, frame, _ = _run(arguments, fds=tuple(fds))
        if status != 0 or out.size() == 0:
            raise Unsanitisable(FailureReason.DAMAGED)
        for name, target in (("video_tags", video_tags), ("audio_tags", audio_tags)):
            if tags := _parse_tags(target.read_all()):
                metadata[name] = tags
    preview = _preview(frame) if video else None
    return Sanitised(content_type="video/mp4" if video else "audio/mp4", metadata=metadata, preview=preview)
