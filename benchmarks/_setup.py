"""What the load and memory benchmarks set up alike: a throw-away staff account (with its TOTP secret) made by
``longarm createstaff``, and a reporter's photo of a given size."""

import base64
import os
import re
import subprocess
import urllib.parse
from io import BytesIO

from intake import longarm_command

STAFF_PASSWORD = "correct horse battery staple 42"  # noqa: S105 - throw-away accounts of a benchmark run


def photo(mebibytes: float) -> bytes:
    """A JPEG of random pixels, about ``mebibytes`` in size (noise does not compress)."""
    from PIL import Image

    side = max(64, int((mebibytes * 1024 * 1024 / 1.15) ** 0.5))
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def create_staff(env: dict[str, str], name: str, role: str) -> bytes:
    """Make a staff account in the installation ``env`` names; returns its TOTP secret."""
    result = subprocess.run(  # noqa: S603 - our own command
        [
            *longarm_command(),
            "createstaff",
            name,
            "--credentials-file",
            "-",
            *(["--receives-new-reports"] if role == "caseworker" else []),
        ],
        env=env,
        input=f"role: {role}\npassword: {STAFF_PASSWORD}\n",
        capture_output=True,
        text=True,
        check=True,
    )
    uri = re.search(r"otpauth://\S+", result.stdout)
    assert uri is not None, result.stdout
    secret = urllib.parse.parse_qs(urllib.parse.urlsplit(uri[0]).query)["secret"][0]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))
