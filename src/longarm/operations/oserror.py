"""A file the operator named that cannot be read or written is one line naming it, never a traceback."""


def os_error_line(error: OSError) -> str:
    """``error`` as one line: the file and the system's reason, or the message it was raised with."""
    if error.strerror and error.filename is not None:
        return f"{error.filename}: {error.strerror}"
    return str(error)
