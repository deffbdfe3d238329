"""Reading and writing files so that nothing odd gets through and no reader sees half a file.

Writes are atomic (a temporary file beside the target, moved into place when complete) and
go only to a new path or an existing regular file: a device, FIFO, folder or symbolic link
at the path is refused, never replaced. Reads open without blocking, accept regular files
only and stop at a size cap, so a FIFO, ``/dev/zero`` or a 24 GB file cannot hang or fill
memory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import threading
from pathlib import Path


class Refused(OSError):
    """A path Summit will not read or write (its ``strerror`` says why, in plain words)."""


_WORDS = {
    errno.ENOENT: "no such file or folder",
    errno.ELOOP: "a symbolic link loop (the link leads back to itself)",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "this is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENOSPC: "the disk is full (no space left on the device)",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "an input/output error (a failing disk or a lost network drive)",
}


def explain(exc: OSError) -> str:
    """An operating-system error in plain words (no errno numbers, no traceback)."""
    if isinstance(exc, Refused):
        return exc.strerror
    return _WORDS.get(exc.errno, exc.strerror or str(exc))


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def check_output(path: str | os.PathLike) -> None:
    """Refuse (raise Refused) an output path that exists and is not a regular file."""
    path = Path(path)
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISLNK(st.st_mode):
        try:
            target = f"to {_kind(path.stat().st_mode)}"
        except OSError as exc:
            target = "that leads nowhere" if exc.errno == errno.ENOENT else f"({explain(exc)})"
        raise Refused(errno.EEXIST, f"{path} is a symbolic link {target}; Summit writes only new or regular files, "
                                    "so give the real path or another name", str(path))
    raise Refused(errno.EEXIST, f"{path} is {_kind(st.st_mode)}; Summit writes only new or regular files and "
                                "never replaces anything else, so give another name", str(path))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside `path`; move it into place only if the block succeeds."""
    path = Path(path)
    check_output(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # a stale one from a process with our pid; never follow a link there
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644))
    try:
        yield tmp
        check_output(path)  # again: it may have appeared while we wrote
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write bytes or text (UTF-8, '\\n' line ends) to `path`, flushed to disk before it appears."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())


def open_regular(path: str | os.PathLike, what: str = "file"):
    """A binary file object for reading a regular file; Refused or OSError otherwise.

    The file is opened without blocking (a FIFO cannot hang us) and checked on the open
    descriptor, so nothing can be swapped in between the check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Refused(errno.EINVAL, f"this is {_kind(mode)}, not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_append(path: str | os.PathLike):
    """A binary file object appending to a regular file (created if absent): a symbolic link,
    FIFO or device there is refused, never followed, never waited on."""
    check_output(path)
    flags = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(path, flags, 0o644)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Refused(errno.EEXIST, f"{path} is {_kind(mode)}; Summit writes only new or regular files", str(path))
        return os.fdopen(fd, "ab")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: str | os.PathLike, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `max_bytes`; Refused or OSError otherwise."""
    with open_regular(path, what) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            raise Refused(errno.EFBIG, f"the file is too large ({_size(size)}); {what}s may be at most {_size(max_bytes)}", str(path))
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while we read
        raise Refused(errno.EFBIG, f"the file is too large; {what}s may be at most {_size(max_bytes)}", str(path))
    return data


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n >> 20} MB" if n % (1 << 20) == 0 else f"{n / (1 << 20):.1f} MB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.0f} KB"
    return f"{n} bytes"


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the leftovers of interrupted atomic writes in `folder` (``.NAME.tmp-PID-TID``)."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for f in folder.glob(".*.tmp-*"):
        with contextlib.suppress(OSError):
            if f.is_symlink() or not f.is_dir():
                f.unlink()
            else:  # a folder being written as a whole (a batch's steps/); links inside are removed, not followed
                shutil.rmtree(f)
            removed.append(f)
    return removed
