"""Writing output whole or not at all: an earlier result survives a write or a run that fails."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from il7.errors import Il7Error
from il7.files import STAGE, filling, writing


def test_a_failed_write_leaves_the_earlier_file_and_no_partial_one(tmp_path: Path) -> None:
    # a file-size limit cut simulate --out mid-row: the earlier 100 kB were gone and the 8 kB left
    # began with a valid header (a bad-input review)
    kept = tmp_path / "keep.csv"
    kept.write_text("earlier result\n" * 1000)
    with pytest.raises(Il7Error, match=r"^cannot write '.*keep\.csv': File too large; choose a writable"):
        with writing(kept) as partial:
            assert partial.parent == tmp_path and partial.suffix == ".csv" and partial != kept
            partial.write_text("time,x\n0,1\n")  # part of the new file, then the limit
            raise OSError(errno.EFBIG, "File too large")
    assert kept.read_text() == "earlier result\n" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]
    with writing(kept) as partial:
        partial.write_text("new result\n")
    assert kept.read_text() == "new result\n" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def test_a_path_from_home_is_written_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # traj.write('~/x.csv') made a folder named '~' in the working folder and wrote there
    import il7
    from il7.files import check_folder

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    written = il7.simulate("culture_dose").write("~/runs/x.csv")
    assert written == tmp_path / "home" / "runs" / "x.csv" and written.is_file()
    assert not (tmp_path / "~").exists()
    (tmp_path / "home" / "taken.csv").write_text("")
    with pytest.raises(Il7Error, match="it is a file; give a folder"):
        check_folder("~/taken.csv", "il7 report", "--out")
    # and read there: a scenario file and measurements
    mine = tmp_path / "home" / "mine.yaml"
    mine.write_text(Path(il7.load_scenario("culture_dose").file).read_text())
    assert il7.load_scenario("~/mine.yaml").file == str(mine)
    (tmp_path / "home" / "d.csv").write_text("readout,time [h],measurement\nIL7_tissue_conc,1,5\n")
    assert len(il7.compare("culture_dose", "~/d.csv").model) == 1


def test_a_long_name_and_the_files_permissions_survive(tmp_path: Path) -> None:
    # a partial name 13 characters longer than a legal 249-character name was 'too long', and the
    # new file took the umask's mode where the earlier one was private
    long = tmp_path / ("a" * 245 + ".csv")
    with writing(long) as partial:
        partial.write_text("x\n")
    assert long.read_text() == "x\n"
    private = tmp_path / "patients.csv"
    private.write_text("old\n")
    private.chmod(0o600)
    with writing(private) as partial:
        partial.write_text("new\n")
    assert private.read_text() == "new\n" and (private.stat().st_mode & 0o777) == 0o600


def test_a_file_behind_a_link_is_written_where_the_link_points(tmp_path: Path) -> None:
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with writing(link) as partial:
        partial.write_text("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_a_device_is_not_replaced(tmp_path: Path) -> None:
    # as root, writing beside /dev/full and renaming would have replaced the device with a file
    link = tmp_path / "full.csv"
    link.symlink_to("/dev/full")
    with pytest.raises(Il7Error, match=r"^cannot write '.*full\.csv': it is not a regular file"):
        with writing(link):
            pass
    assert Path("/dev/full").is_char_device()


def _report(folder: Path, text: str) -> None:
    with filling(folder, "il7 report", "--out") as out:
        (out / "index.html").write_text(f"<title>il7 report</title>{text}")
        (out / "sub").mkdir()
        (out / "sub" / "README.md").write_text(text)


def test_a_run_that_fails_leaves_the_earlier_folder_whole(tmp_path: Path) -> None:
    # a failed il7 report cut parameters.csv off mid-sentence beside the old index.html
    folder = tmp_path / "rep"
    _report(folder, "first")
    (folder / "notes.txt").write_text("mine")  # the user's own file in the folder
    with pytest.raises(Il7Error, match=r"^cannot write '.*rep/parameters\.csv': No space left on device"):
        with filling(folder, "il7 report", "--out") as out:
            (out / "index.html").write_text("<title>il7 report</title>second")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "parameters.csv"))
    assert (folder / "index.html").read_text() == "<title>il7 report</title>first"
    assert not list(folder.glob(f"{STAGE}*"))
    _report(folder, "third")  # a finished run replaces the earlier files, folders included
    assert (folder / "index.html").read_text().endswith("third")
    assert (folder / "sub" / "README.md").read_text() == "third"
    assert (folder / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in folder.iterdir()) == [".il7-report", "index.html", "notes.txt", "sub"]


def test_an_error_of_the_run_itself_also_leaves_the_folder_alone(tmp_path: Path) -> None:
    folder = tmp_path / "rep"
    _report(folder, "first")
    with pytest.raises(ZeroDivisionError):
        with filling(folder, "il7 report", "--out") as out:
            (out / "index.html").write_text("half")
            _ = 1 / 0
    assert (folder / "index.html").read_text().endswith("first") and not list(folder.glob(f"{STAGE}*"))


def test_a_writers_own_error_names_the_file_in_the_folder_not_the_stage(tmp_path: Path) -> None:
    folder = tmp_path / "rep"
    with pytest.raises(Il7Error) as info:
        with filling(folder, "il7 report", "--out") as out:
            with writing(out / "table.csv") as partial:
                partial.write_text("part")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(info.value).startswith(f"cannot write '{folder / 'table.csv'}': No space left on device")
    assert STAGE not in str(info.value)


def test_a_file_where_a_folder_goes_is_found_before_anything_moves(tmp_path: Path) -> None:
    # run 1 wrote a file 'sub'; run 2 writes a folder 'sub': a.txt was already replaced when it failed
    folder = tmp_path / "rep"
    with filling(folder, "il7 report", "--out") as out:
        (out / "a.txt").write_text("old")
        (out / "sub").write_text("a file")
    with pytest.raises(Il7Error, match=r"writes a folder sub, where the folder holds a file of that name"):
        with filling(folder, "il7 report", "--out") as out:
            (out / "a.txt").write_text("new")
            (out / "sub").mkdir()
    assert (folder / "a.txt").read_text() == "old" and (folder / "sub").is_file()


def test_two_runs_into_one_folder_stage_apart_and_a_dead_runs_stage_is_cleared(tmp_path: Path) -> None:
    # the stage was one folder per output folder: a second run removed a first, running one's files
    folder = tmp_path / "rep"
    _report(folder, "first")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    dead, alive = folder / f"{STAGE}-{host}-{gone.pid}", folder / f"{STAGE}-{host}-{os.getppid()}"
    elsewhere = folder / f"{STAGE}-another-host-{gone.pid}"  # through a shared disk: not ours to judge
    set_aside = folder / f".sub.il7-old-{host}-{gone.pid}"
    for stage in (dead, alive, elsewhere, set_aside, folder / STAGE):
        stage.mkdir()
        (stage / "index.html").write_text("half")
    _report(folder, "second")
    assert not dead.exists() and not set_aside.exists() and not (folder / STAGE).exists()
    assert (alive / "index.html").read_text() == "half"
    assert (elsewhere / "index.html").read_text() == "half"
    assert (folder / "index.html").read_text().endswith("second")
