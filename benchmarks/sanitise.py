"""Evidence sanitising: time and memory of the copies, against the floor of the same work done bare.

Run from the repository root (several minutes; LibreOffice and Tesseract must be installed)::

    .venv/bin/python benchmarks/sanitise.py [--pages 50] [--docx-pages 20] [--voice-seconds 180]
                                            [--video-seconds 60]

A fixed mixed set is made first, in a temporary directory: three 12-megapixel phone photos (JPEG with EXIF
and GPS), a text PDF of ``--pages`` pages, a DOCX of about ``--docx-pages`` pages, a voice note of
``--voice-seconds`` (AAC in M4A, as LINE and WhatsApp send them) and a 1080p video of ``--video-seconds``
(H.264 and AAC). Each item is then sanitised by ``longarm.evidence.processing.sanitise`` — exactly what the
worker runs — in a fresh child process, so that its peak memory is its own. In the same child, right after,
the floor of the same work is measured:

- photos: Pillow decoding the original and encoding the same pixels as JPEG, nothing else;
- documents: PDFium rendering every page in this process at the same resolution and Pillow encoding the
  pixels as JPEG (for the DOCX, of the PDF LibreOffice makes of it, LibreOffice's own time added), with no
  sandbox; with the text layer, also what a peer's pixels -> PDF -> OCR pipeline (Dangerzone's) pays with
  the same tools: one Tesseract process reading every page's JPEG from a list and writing its PDF with text,
  in the languages the copy was read in, at the same resolution, one thread, no sandbox;
- audio and video: ffmpeg's own transcode of the same input with the same encoder settings, no sandbox.

Documents are sanitised twice, with the OCR text layer (the default) and without (``LONGARM_EVIDENCE_OCR``
off), each against its own floor.

How to read the JSON printed on stdout (progress goes to stderr), one entry per item:

- ``seconds``, ``seconds_per_page`` for documents, ``floor_seconds`` and ``ratio`` = seconds / floor; the
  target is ``ratio <= 1.5`` for every item. An item whose run and floor took under 10 s together is run
  three times (``runs``), and its time and its floor are each the least of the three.
- ``worker_peak_rss_mib``: the peak RSS of the worker process; ``child_peak_rss_mib``: of the largest process
  it ran (renderer, LibreOffice, Tesseract, ffmpeg). The target is ``<= 1024`` for both, for any single file.
- ``meets_targets`` overall.
"""

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
TARGET_RATIO = 1.5
TARGET_RSS_MIB = 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _setup_django(directory: Path, *, ocr: bool) -> None:
    os.environ["LONGARM_DATA_DIR"] = str(directory / "data")
    os.environ["LONGARM_KEYS_DIR"] = str(directory / "keys")
    os.environ["LONGARM_EVIDENCE_OCR"] = "true" if ocr else "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _ffmpeg() -> str:
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def make_inputs(directory: Path, options: argparse.Namespace) -> dict[str, Path]:
    """The fixed mixed set."""
    from PIL import Image, ImageDraw

    inputs: dict[str, Path] = {}
    for number in range(3):
        image = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
        noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
        photo = Image.blend(image, noise, 0.3)
        ImageDraw.Draw(photo).text((100, 100 + number * 40), f"photo {number}", fill=(255, 0, 0))
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "Huawei", "P30 Pro"
        exif.get_ifd(0x8825)[1] = "N"
        path = directory / f"photo-{number}.jpg"
        photo.save(path, format="JPEG", quality=92, exif=exif)
        inputs[f"photo-{number}.jpg"] = path
    text = directory / "letter.txt"
    paragraph = (
        "The consulate asked about the family of the reporter, their work and their travel. "
        "They said the relatives at home would be visited again unless the reporter came back. "
    ) * 6
    # Four such paragraphs fill a page: a text PDF of the requested length, a DOCX of about that length.
    text.write_text("\n\n".join(f"{index}. {paragraph}" for index in range(options.pages * 4)))
    office = shutil.which("soffice")
    if office is None:
        raise SystemExit("LibreOffice (soffice) is needed to make the document inputs")
    profile = f"-env:UserInstallation=file://{directory}/profile"
    subprocess.run(  # noqa: S603 - fixed program
        [office, profile, "--headless", "--convert-to", "pdf", "--outdir", str(directory), str(text)],
        check=True,
        capture_output=True,
    )
    inputs["letter.pdf"] = directory / "letter.pdf"
    short = directory / "statement.txt"
    short.write_text("\n\n".join(f"{index}. {paragraph}" for index in range(options.docx_pages * 4)))
    subprocess.run(  # noqa: S603 - fixed program
        [office, profile, "--headless", "--convert-to", "docx", "--outdir", str(directory), str(short)],
        check=True,
        capture_output=True,
    )
    inputs["statement.docx"] = directory / "statement.docx"
    ffmpeg = _ffmpeg()
    voice = directory / "voice.m4a"
    subprocess.run(  # noqa: S603 - fixed program
        [
            ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", f"anoisesrc=color=pink:duration={options.voice_seconds}:amplitude=0.2",
            "-ac", "1", "-c:a", "aac", "-b:a", "64k", "-metadata", "title=Voice message", str(voice),
        ],
        check=True,
    )  # fmt: skip
    inputs["voice.m4a"] = voice
    video = directory / "video.mp4"
    subprocess.run(  # noqa: S603 - fixed program
        [
            ffmpeg, "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={options.video_seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=300:duration={options.video_seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-metadata", "location=+35.6895+139.6917/", str(video),
        ],
        check=True,
    )  # fmt: skip
    inputs["video.mp4"] = video
    return inputs


def _rss_mib(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _floor_photo(path: Path) -> float:
    from PIL import Image

    started = time.perf_counter()
    with Image.open(path) as image:
        image.load()
        image.convert("RGB").save(io.BytesIO(), format="JPEG", quality=90)
    return time.perf_counter() - started


def _floor_pdf(path: Path, dpi: int, directory: Path, languages: list[str]) -> float:
    import pypdfium2 as pdfium

    started = time.perf_counter()
    document = pdfium.PdfDocument(str(path))
    pages = directory / "floor-pages"
    pages.mkdir(exist_ok=True)
    names = []
    for index in range(len(document)):
        page = document[index]
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=80)
        page.close()
        if languages:
            names.append(pages / f"{index}.jpg")
            names[-1].write_bytes(buffer.getvalue())
    document.close()
    if languages:
        listing = pages / "pages.txt"
        listing.write_text("".join(f"{name}\n" for name in names))
        tesseract = shutil.which("tesseract")
        assert tesseract is not None
        subprocess.run(  # noqa: S603 - fixed program
            [tesseract, str(listing), "stdout", "--dpi", str(dpi), "-l", "+".join(languages), "pdf"],
            check=True,
            capture_output=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    return time.perf_counter() - started


def _floor_docx(path: Path, dpi: int, directory: Path, languages: list[str]) -> float:
    office = shutil.which("soffice")
    assert office is not None
    started = time.perf_counter()
    out = directory / "floor"
    subprocess.run(  # noqa: S603 - fixed program
        [
            office, f"-env:UserInstallation=file://{directory}/floor-profile", "--headless",
            "--convert-to", "pdf", "--outdir", str(out), str(path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    converted = time.perf_counter() - started
    return converted + _floor_pdf(out / (path.stem + ".pdf"), dpi, directory, languages)


def _floor_media(path: Path, *, video: bool) -> float:
    from longarm.evidence.sanitise import media

    streams = (
        ["-map", "0:V:0?", "-map", "0:a:0?", *media._VIDEO, *media._AUDIO]
        if video
        else ["-map", "0:a:0", "-vn", *media._AUDIO]
    )
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed program
        [
            _ffmpeg(), "-nostdin", "-loglevel", "error", "-y", "-i", str(path), *streams,
            "-threads", "2", "-f", "mp4" if video else "ipod", os.devnull,
        ],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def child(path: Path, *, ocr: bool) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="longarm-bench-"))
    _setup_django(directory, ocr=ocr)
    from django.conf import settings

    from longarm.evidence.detection import SNIFF_BYTES, detect
    from longarm.evidence.processing import sanitise
    from longarm.evidence.workspace import Workspace

    content = path.read_bytes()
    detected = detect(content[:SNIFF_BYTES], complete=len(content) <= SNIFF_BYTES)
    assert detected is not None, path
    with Workspace() as source, Workspace() as out:
        source.fill([content])
        del content
        started = time.perf_counter()
        result = sanitise(source, detected, out)
        seconds = time.perf_counter() - started
        size = out.size()
    worker_rss, child_rss = _rss_mib(resource.RUSAGE_SELF), _rss_mib(resource.RUSAGE_CHILDREN)
    dpi = int(settings.LONGARM_EVIDENCE_DOCUMENT_DPI)
    languages = [str(language) for language in result.metadata.get("copy", {}).get("ocr_languages", [])]
    if detected.kind == "image":
        floor = _floor_photo(path)
    elif detected.content_type == "application/pdf":
        floor = _floor_pdf(path, dpi, directory, languages)
    elif detected.kind == "document":
        floor = _floor_docx(path, dpi, directory, languages)
    else:
        floor = _floor_media(path, video=detected.kind == "video")
    shutil.rmtree(directory, ignore_errors=True)
    report: dict[str, Any] = {
        "type": detected.content_type,
        "copy_type": result.content_type,
        "copy_bytes": size,
        "seconds": round(seconds, 3),
        "floor_seconds": round(floor, 3),
        "ratio": round(seconds / floor, 2) if floor else None,
        "worker_peak_rss_mib": worker_rss,
        "child_peak_rss_mib": child_rss,
    }
    pages = result.metadata.get("pages")
    if isinstance(pages, int) and pages:
        report["pages"] = pages
        report["seconds_per_page"] = round(seconds / pages, 3)
        report["text_layer"] = result.metadata.get("copy", {}).get("text_layer")
    return report


QUICK_SECONDS = 10.0
QUICK_RUNS = 3


def run_child(path: Path, *, ocr: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(path), *([] if ocr else ["--no-ocr"])]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - ourselves
    if result.returncode != 0:
        raise SystemExit(f"the child for {path.name} failed:\n{result.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def best_of_runs(path: Path, *, ocr: bool) -> dict[str, Any]:
    """One run; an item that took under ``QUICK_SECONDS`` (with its floor) runs ``QUICK_RUNS`` times in all,
    and both its time and its floor are the least seen: a second's work on a shared machine varies by a
    third from run to run, the floor as much as the copy. Peak memory is the largest seen."""
    runs = [run_child(path, ocr=ocr)]
    if runs[0]["seconds"] + runs[0]["floor_seconds"] < QUICK_SECONDS:
        runs += [run_child(path, ocr=ocr) for _ in range(QUICK_RUNS - 1)]
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["floor_seconds"] = min(run["floor_seconds"] for run in runs)
    best["ratio"] = round(best["seconds"] / best["floor_seconds"], 2) if best["floor_seconds"] else None
    for key in ("worker_peak_rss_mib", "child_peak_rss_mib"):
        best[key] = max(run[key] for run in runs)
    best["runs"] = len(runs)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--docx-pages", type=int, default=20)
    parser.add_argument("--voice-seconds", type=int, default=180)
    parser.add_argument("--video-seconds", type=int, default=60)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-ocr", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", metavar="TEXT", help="run only the items whose name contains TEXT")
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options.child, ocr=not options.no_ocr)))
        return
    with tempfile.TemporaryDirectory(prefix="longarm-bench-inputs-") as scratch:
        log("making the inputs")
        inputs = make_inputs(Path(scratch), options)
        items: dict[str, Any] = {}
        for name, path in inputs.items():
            variants = [(name, True)]
            if name.endswith((".pdf", ".docx")):
                variants.append((f"{name} (no text layer)", False))
            for item, ocr in variants:
                if options.only is None or options.only in item:
                    log(f"sanitising {item}")
                    items[item] = best_of_runs(path, ocr=ocr)
    ratios_ok = all(item["ratio"] is not None and item["ratio"] <= TARGET_RATIO for item in items.values())
    rss_ok = all(
        item["worker_peak_rss_mib"] <= TARGET_RSS_MIB and item["child_peak_rss_mib"] <= TARGET_RSS_MIB
        for item in items.values()
    )
    print(
        json.dumps(
            {
                "items": items,
                "target_ratio": TARGET_RATIO,
                "target_rss_mib": TARGET_RSS_MIB,
                "ratios_within_target": ratios_ok,
                "rss_within_target": rss_ok,
                "meets_targets": ratios_ok and rss_ok,
                "cores": os.cpu_count(),
                "load_average": [round(value, 2) for value in os.getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
