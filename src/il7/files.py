"""Output folders: il7 writes many files into one folder, and never over files it did not write.

A folder that a command fills (``il7 report``'s page and CSVs, ``il7 export petab``'s tables)
gets a marker file naming the command. The command writes into a folder that is missing, empty,
or marked by the same command (an earlier run, finished or not), or filled by it before markers
existed (:data:`SIGNATURES`), and refuses any other, so that a user's own ``index.html`` or
``README.md`` is never replaced.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from il7.errors import Il7Error, few

if TYPE_CHECKING:
    import pandas as pd

SIGNATURES = {
    "il7 report": ("index.html", "<title>il7 report</title>"),
    "il7 export petab": ("README.md", "(written by il7 "),
}
"""A file, and a text in it, by which a folder that a command filled before it left markers is
known as the command's: a report's page, a PEtab problem's README."""


def require_name(path: object, what: str, example: str, otherwise: str = "") -> None:
    """Refuse, in one line, a ``path`` given to the API that names nothing: not a string or a
    path, or blank (``what`` says which argument, ``example`` shows a good value)."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise Il7Error(f"{what} {path!r}: give a name, e.g. '{example}'{otherwise}")


def unclear_name(name: str, option: str) -> None:
    """Refuse an output name with blanks at its ends or control characters (a tab, a newline):
    a file or folder so named is easy to lose (``--out $'a\\nb.csv'`` wrote a name over two lines)."""
    if name != name.strip() or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Il7Error(
            f"{option} {name!r}: a name with blanks at its ends or control characters (a tab, a "
            "newline) is easy to lose; give a plain name"
        )


def make_parent(path: Path, where: str | None = None) -> None:
    """Make the folder the file ``path`` goes in, or a one-line error that starts with ``where``
    (default: ``cannot write 'PATH'``) and says why (a file standing in the way, the system's reason)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        said = where or f"cannot write '{path}'"
        raise Il7Error(
            f"{said}: cannot make its folder ({why_not_made(path.parent, exc)}); choose a writable location"
        ) from None


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[Path]:
    """Write the file ``path`` whole or not at all.

    The caller writes the file this yields: a partial file beside ``path`` (beside the file a
    symbolic link names), with the same suffix, so that a writer that reads the format from the
    name still can, and a short name, so that any name ``path`` may have still fits. It replaces
    ``path`` once written, with ``path``'s permissions. A failed write (disk full, a file-size
    limit) leaves an earlier ``path`` as it was, removes the partial file and becomes a one-line
    error naming ``path``. A ``path`` that is a device or other non-regular file is refused:
    replacing it would replace the device. Where only the file, not its folder, may be written,
    the file is written in place (not whole-or-nothing then). Other hard links to an earlier
    ``path`` keep its old content. The folder ``path`` goes in is made if missing
    (:func:`make_parent`), as for every file il7 writes. A leading ``~`` is the home folder, as
    a shell and pandas read it (in Python it made a folder named '~').
    """
    path = Path(path).expanduser()
    make_parent(path)
    real = Path(os.path.realpath(path))
    if real.exists() and not real.is_file():
        kind = "a folder" if real.is_dir() else "not a regular file (a device or a pipe?)"
        raise Il7Error(f"cannot write '{path}': it is {kind}; give the name of a file")
    try:
        if real.is_file() and os.access(real, os.W_OK) and not os.access(real.parent, os.W_OK):
            yield real  # a writable file in a folder that is not: in place
            return
        partial = real.with_name(f".il7-partial-{os.getpid()}-{next(_PARTIALS)}{real.suffix}")
        try:
            yield partial
            if real.is_file():
                shutil.copymode(real, partial)
            os.replace(partial, real)
        finally:
            partial.unlink(missing_ok=True)  # gone already once it replaced the file
    except OSError as exc:
        raise Il7Error(f"cannot write '{path}': {exc.strerror}; choose a writable location") from None


_PARTIALS = itertools.count()
"""Numbers the partial files of one process (:func:`writing`)."""


def write_table(path: str | Path, frame: pd.DataFrame, header: str) -> Path:
    """Write the pandas ``frame`` to the CSV file ``path`` (whole or not at all, :func:`writing`),
    with ``header``, what made it, in a comment line on top (``pandas.read_csv(f, comment="#")``).
    A name that does not end in ``.csv`` is refused: a spreadsheet would not open it as one."""
    if not str(path).lower().endswith(".csv"):
        raise Il7Error(f"cannot write '{path}': use a .csv file name")
    with writing(path) as partial, open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(f"# {header}\n")
        frame.to_csv(handle, index=False)
    return Path(path).expanduser()


def check_folder(folder: str | Path, command: str, option: str) -> None:
    """Refuse, before any work, a ``folder`` that ``command`` may not fill (see :func:`claim_folder`)."""
    unclear_name(str(folder), option)
    folder = Path(folder).expanduser()
    if folder.is_file():
        raise Il7Error(f"{option} '{folder}': it is a file; give a folder")
    if folder.exists() and not folder.is_dir():
        raise Il7Error(f"{option} '{folder}': it is not a folder (a device or a pipe?); give a folder")
    if folder.suffix.lower() in (".html", ".htm", ".csv", ".md", ".yaml"):  # a file's name, for a folder
        raise Il7Error(
            f"{option} '{folder}': {command} fills a folder, and this names a file; give a folder name, "
            f"e.g. {folder.with_suffix('')}"
        )
    if not folder.is_dir() or _marker(folder, command).is_file() or _signed(folder, command):
        return
    try:
        others = sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        raise Il7Error(
            f"{option} '{folder}': cannot read it ({exc.strerror}); choose another folder"
        ) from None
    if others:
        shown = few(others, 3)
        raise Il7Error(
            f"{option} '{folder}' holds files that {command} did not write ({shown}); it would write "
            "over them: give a new or empty folder"
        )


def claim_folder(folder: str | Path, command: str, option: str) -> Path:
    """Make ``folder`` (if missing) and mark it as ``command``'s.

    Parameters
    ----------
    folder
        The output folder.
    command
        The command that fills it, e.g. ``"il7 report"``; names the marker file.
    option
        The argument that named the folder, with its command-line option (``"folder (-o)"``),
        for the error message.

    Returns
    -------
    pathlib.Path
        ``folder``.

    Raises
    ------
    Il7Error
        The folder is a file, cannot be made or written, or holds files that the user or another
        command wrote.
    """
    check_folder(folder, command, option)
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _marker(folder, command).write_text(
            f"written by {command}; it may write here again\n", encoding="utf-8"
        )
    except OSError as exc:
        raise Il7Error(
            f"{option} '{folder}': cannot write there ({why_not_made(folder, exc)}); choose a writable folder"
        ) from None
    return folder


STAGE = ".il7-partial"
"""The start of the name of the folder, inside the one :func:`filling` fills, where a run's files
wait until all are written; the host and process id follow, so that two runs into one folder (on
one machine or, through a shared disk, on two) keep apart."""


def _own(kind: str) -> str:
    """This process's suffix for a staged or set-aside item: ``-<host>-<pid>``."""
    return f"{kind}-{socket.gethostname()}-{os.getpid()}"


def _clear_abandoned_stages(folder: Path) -> None:
    """Remove what runs cut off (killed, power lost) left in ``folder``: the staging folders and
    set-aside folders of this host's processes that are gone, and a stage named without host
    and process (as earlier il7 named it). Another host's, or a running process's, are left alone."""
    host = socket.gethostname()
    for item in [*folder.glob(f"{STAGE}-*"), *folder.glob(".*.il7-old-*")]:
        found_host, _, pid = item.name.rpartition("-")
        if found_host.endswith(f"-{host}") and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(item, ignore_errors=True)
    if (folder / STAGE).is_dir():
        shutil.rmtree(folder / STAGE, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextlib.contextmanager
def filling(folder: str | Path, command: str, option: str) -> Iterator[Path]:
    """Fill ``folder`` for ``command`` (see :func:`claim_folder`) whole or not at all.

    The command writes into the staging folder this yields, inside ``folder``; once it is done,
    each file or folder written there replaces its namesake in ``folder``, one rename each, after
    a check that none would put a file where a folder is or the reverse. A failure before that
    (disk full, a file that cannot be opened, an error of the run) leaves ``folder`` as it was,
    an earlier run's files included, and an error names the file as it would be in ``folder``.
    Files in ``folder`` that the run does not write are left alone. Two runs into one folder at
    once stage apart, and the one that finishes last leaves its files.
    """
    out = claim_folder(folder, command, option)
    stage = out / _own(STAGE)

    def named_in_out(text: str) -> str:
        return text.replace(str(stage), str(out))

    try:
        try:
            _clear_abandoned_stages(out)
            shutil.rmtree(stage, ignore_errors=True)  # this process's own, left by an earlier call
            stage.mkdir()
            yield stage
            items = sorted(stage.iterdir())
            for item in items:
                target = out / item.name
                if target.exists() and item.is_dir() != target.is_dir():
                    kinds = ("folder", "file") if item.is_dir() else ("file", "folder")
                    raise Il7Error(
                        f"{option} '{folder}': {command} writes a {kinds[0]} {item.name}, where the folder "
                        f"holds a {kinds[1]} of that name; remove it or choose another folder"
                    )
            for item in items:
                _move_in(item, out / item.name)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    except OSError as exc:
        name = named_in_out(str(exc.filename or out))
        raise Il7Error(f"cannot write '{name}': {exc.strerror}; choose another folder") from None
    except Il7Error as exc:  # a writer's own one-line error (files.writing) names the staged file
        if str(stage) not in str(exc):
            raise
        raise Il7Error(named_in_out(str(exc))) from None


def _move_in(item: Path, target: Path) -> None:
    """Put the staged ``item`` in ``target``'s place: a file by one rename, a folder by setting
    the old one aside first (a folder cannot be renamed onto a full one)."""
    if not item.is_dir() or not target.is_dir():
        os.replace(item, target)
        return
    aside = target.with_name(_own(f".{target.name}.il7-old"))
    shutil.rmtree(aside, ignore_errors=True)
    target.rename(aside)
    item.rename(target)
    shutil.rmtree(aside, ignore_errors=True)


def why_not_made(folder: Path, exc: OSError) -> str:
    """Why ``folder`` could not be made: a file standing where a folder of its path should be
    (which the system reports as 'File exists' or 'Not a directory'), or the system's reason."""
    blocking = next((f for f in (folder, *folder.parents) if f.is_file()), None)
    return f"'{blocking}' is a file, not a folder" if blocking else str(exc.strerror)


def _signed(folder: Path, command: str) -> bool:
    """Whether ``folder`` holds what ``command`` wrote there before it left markers."""
    name, text = SIGNATURES.get(command, ("", ""))
    signed = folder / name
    try:
        return (
            bool(name) and signed.is_file() and text in signed.read_text(encoding="utf-8", errors="replace")
        )
    except OSError:
        return False


def _marker(folder: Path, command: str) -> Path:
    return folder / f".{command.replace(' ', '-')}"
