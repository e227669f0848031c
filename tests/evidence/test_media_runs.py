"""Audio and video are sanitised in two runs of ffmpeg: one that reads the container's tags and lists the
streams without decoding, and one that decodes the input once and writes the copy, the poster and the
streams' tags (issue 12: every extra launch is a cost the floor does not pay)."""

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from longarm.evidence.detection import BY_CONTENT_TYPE
from longarm.evidence.sanitise import Sanitised, media, sandbox
from longarm.evidence.workspace import Workspace
from tests.evidence import files


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Sequence[str]]:
    seen: list[Sequence[str]] = []
    real = sandbox.run_capturing

    def counting(command: Sequence[str], **options: Any) -> tuple[int, bytes, bytes]:
        seen.append(command)
        return real(command, **options)

    monkeypatch.setattr(sandbox, "run_capturing", counting)
    return seen


def sanitised(content: bytes, content_type: str) -> tuple[Sanitised, bytes]:
    with Workspace() as source, Workspace() as out:
        source.fill([content])
        result = media.sanitise_media(source, BY_CONTENT_TYPE[content_type], out)
        return result, out.read_all()


def test_a_video_takes_two_runs_and_keeps_stream_tags_and_poster(
    runs: list[Sequence[str]], tmp_path: Path
) -> None:
    result, copy = sanitised(files.mp4_with_tags(tmp_path), "video/mp4")
    assert len(runs) == 2
    assert result.metadata["tags"]["location"] == files.LOCATION
    assert result.metadata["video_tags"]["handler_name"] == "CameraSecretHandler"
    assert "audio_tags" in result.metadata
    assert result.preview is not None
    assert result.preview.startswith(b"\xff\xd8")
    assert b"CameraSecretHandler" not in copy


def test_a_voice_note_takes_two_runs(runs: list[Sequence[str]], tmp_path: Path) -> None:
    result, _ = sanitised(files.ogg_opus(tmp_path), "audio/ogg")
    assert len(runs) == 2
    assert result.metadata["audio_tags"]["title"] == "Voice message"
    assert "video_tags" not in result.metadata
    assert result.preview is None


def test_cover_art_tags_are_kept_and_no_poster_is_made_of_it(tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    subprocess.run(  # noqa: S603 - test fixture with fixed arguments
        [media.ffmpeg(), "-loglevel", "error", "-f", "lavfi", "-i", "color=red:size=64x64", "-frames:v", "1",
         str(cover)],
        check=True,
    )  # fmt: skip
    song = tmp_path / "song.mp3"
    subprocess.run(  # noqa: S603 - test fixture with fixed arguments
        [
            media.ffmpeg(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", "-i", str(cover),
            "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "png",
            "-disposition:v:0", "attached_pic", "-metadata:s:v:0", "title=taken at home",
            "-id3v2_version", "3", str(song),
        ],
        check=True,
    )  # fmt: skip
    result, copy = sanitised(song.read_bytes(), "audio/mpeg")
    assert result.metadata["video_tags"]["title"] == "taken at home"
    assert b"taken at home" not in copy
    assert result.preview is None


def test_an_attached_picture_is_not_a_real_video() -> None:
    streams = media._streams(b"  Stream #0:1[0x2]: Video: png, rgb24(pc), 64x64 (attached pic)\n")
    assert streams.any_video
    assert not streams.real_video


def test_stream_listing_stops_at_the_outputs() -> None:
    listing = (
        b"Input #0, mov,mp4,m4a, from 'x':\n"
        b"  Stream #0:0[0x1](und): Audio: aac (LC), 44100 Hz, mono, fltp, 69 kb/s (default)\n"
        b"Stream mapping:\n"
        b"  Stream #0:0: Video: h264\n"
    )
    streams = media._streams(listing)
    assert streams.audio
    assert not streams.any_video
