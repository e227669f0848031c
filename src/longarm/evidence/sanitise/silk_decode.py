"""The SILK decoder: a child process (run in the sandbox, ``sandbox.py``) that turns a SILK voice note into a
plain WAV file, which ffmpeg then encodes like any other sound (``silk.py``).

WeChat's voice notes are SILK v3, the codec Skype published, in Tencent's variant (one ``0x02`` byte before
the ``#!SILK_V3`` header). ffmpeg has no SILK decoder; the ``silk-python`` package (``pysilk``) binds the
reference decoder. It is C code reading a hostile file, so it runs here, apart from the worker, with the
sandbox's time, memory and network limits. It imports only the standard library and ``pysilk``, writes the
WAV to the path it is given, and prints nothing: its exit status says whether it worked (0) or not.
"""

import io
import sys
import wave

# WeChat records at 24 kHz; the reference decoder resamples whatever the stream holds to this rate.
SAMPLE_RATE = 24000


def main(argv: list[str]) -> int:
    source, target = argv[0], argv[1]
    import pysilk  # type: ignore[import-untyped]  # ships no type hints

    with open(source, "rb") as file:
        data = file.read()
    pcm = io.BytesIO()
    try:
        pysilk.decode(io.BytesIO(data), pcm, SAMPLE_RATE)
    except Exception:
        return 2
    if not pcm.getvalue():
        return 2
    with open(target, "wb") as output, wave.open(output, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(SAMPLE_RATE)
        sound.writeframes(pcm.getvalue())
    return 0


if __name__ == "__main__":
    sys.stdout = sys.stderr = open("/dev/null", "w")  # noqa: SIM115 - for the life of this process
    sys.exit(main(sys.argv[1:]))
