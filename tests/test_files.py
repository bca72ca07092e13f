"""The safe-file layer (`chilecite.files`): what is read, what is written, and what is left behind.

Reading: only regular files, refused before they are opened, their size checked before a byte is
read. Writing: `-` is standard output; a special file is written in place and stays what it was;
a regular file is replaced by one rename of a complete file, with the umask's mode (an existing
file keeps its own), through a symbolic link to its target; new files are created exclusively, all
or nothing. A killed write leaves nothing behind: SIGKILL is tested with a real `kill -9`.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from chilecite import files
from chilecite.files import NotRegular, OutputError, TooLarge, create_all, read_regular, write_output
from tests.support import RECORDS


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "chilecite-tmp" in p.name)


def _umask(mask: int):
    class Umask:
        def __enter__(self) -> None:
            self.old = os.umask(mask)

        def __exit__(self, *exc: object) -> None:
            os.umask(self.old)

    return Umask()


def _unnamed_files_work(folder: Path) -> bool:
    """Whether this system gives a file no name until it is complete (O_TMPFILE, linkable)."""
    fd = files._unnamed_file(str(folder))
    if fd is None:
        return False
    try:
        return files._link_unnamed(fd, str(folder / "probe"))
    finally:
        os.close(fd)
        (folder / "probe").unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading


def test_read_regular_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"kind: person\n")
    assert read_regular(path, 100) == b"kind: person\n"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NotRegular, match="a named pipe"):
        read_regular(fifo, 100)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(("device", "kind"), [("/dev/zero", "a character device"), ("/dev/null", "a character device")])
def test_a_device_is_refused_before_anything_is_read(device: str, kind: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} is absent here")
    with pytest.raises(NotRegular, match=kind):
        read_regular(Path(device), 100)


def test_a_directory_and_a_socket_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotRegular, match="a directory"):
        read_regular(tmp_path, 100)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s.yaml"))
        with pytest.raises(NotRegular, match="a socket"):
            read_regular(tmp_path / "s.yaml", 100)
    finally:
        sock.close()


def test_the_size_is_checked_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(8 << 30)  # 8 GiB, sparse: reading it would take minutes and the memory
    started = time.monotonic()
    with pytest.raises(TooLarge, match="8,589,934,592 bytes, over the 100-byte limit"):
        read_regular(huge, 100)
    assert time.monotonic() - started < 1


def test_a_missing_file_and_a_symlink_loop_are_oserrors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "absent.yaml", 100)
    os.symlink("b.yaml", tmp_path / "a.yaml")
    os.symlink("a.yaml", tmp_path / "b.yaml")
    with pytest.raises(OSError) as caught:
        read_regular(tmp_path / "a.yaml", 100)
    assert caught.value.errno == errno.ELOOP


# --------------------------------------------------------------------------- writing


def test_dash_is_standard_output(capsysbinary) -> None:
    write_output("-", "é\n")
    assert capsysbinary.readouterr().out == "é\n".encode()


@pytest.mark.parametrize(("output", "message"), [
    pytest.param("", "the output path is empty", id="empty"),
    pytest.param("a\0b", "NUL character", id="nul"),
    pytest.param("{tmp}", "is a directory", id="directory"),
    pytest.param("{tmp}/no/such/x.bib", "does not exist; create it first", id="no-folder"),
])
def test_unusable_output_paths_are_usage_errors(tmp_path: Path, output: str, message: str) -> None:
    with pytest.raises(OutputError, match=message):
        write_output(output.replace("{tmp}", str(tmp_path)), "x")


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path, mask: int, mode: int) -> None:
    with _umask(mask):
        write_output(tmp_path / "out.bib", "x")
    assert stat.S_IMODE(os.stat(tmp_path / "out.bib").st_mode) == mode
    assert _leftovers(tmp_path) == []


def test_an_existing_file_keeps_its_mode_and_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "out.bib"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o640)
    before = os.stat(out).st_ino
    write_output(out, "new")
    assert out.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
    assert os.stat(out).st_ino != before, "replaced by a rename, not rewritten in place"


def test_root_replacing_a_users_file_leaves_it_theirs(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can replace another user's file")
    out = tmp_path / "out.bib"
    out.write_text("old", encoding="utf-8")
    os.chown(out, 65534, 65534)
    write_output(out, "new")
    assert (os.stat(out).st_uid, os.stat(out).st_gid) == (65534, 65534)


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.bib"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(target.name)
    write_output(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_a_fifo_is_written_to_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_output(fifo, "through the pipe\n")
    assert reader.communicate(timeout=10)[0] == b"through the pipe\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_dev_null_stays_a_device() -> None:
    write_output("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_full_device_is_a_failure_naming_the_output() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is absent here")
    with pytest.raises(OSError) as caught:
        write_output("/dev/full", "x" * 100_000)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == "/dev/full"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_lone_surrogate_is_written_as_an_escape(tmp_path: Path) -> None:
    write_output(tmp_path / "out.json", '"\udc80"')
    assert (tmp_path / "out.json").read_bytes() == b'"\\udc80"'


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed-file", "named-temporary"])
def test_both_ways_of_writing_leave_nothing_behind(tmp_path: Path, monkeypatch, unnamed: bool) -> None:
    if not unnamed:
        monkeypatch.setattr(files, "_unnamed_file", lambda directory: None)
    elif not _unnamed_files_work(tmp_path):
        pytest.skip("this system cannot give a file its name after writing it (no O_TMPFILE or linkat)")
    write_output(tmp_path / "a.bib", "a")
    write_output(tmp_path / "a.bib", "b")
    create_all({tmp_path / "c.yaml": "c"})
    assert (tmp_path / "a.bib").read_text() == "b" and (tmp_path / "c.yaml").read_text() == "c"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out.bib"
    out.write_text("old", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_output(out, "new")
    assert out.read_text(encoding="utf-8") == "old" and _leftovers(tmp_path) == []


# --------------------------------------------------------------------------- creating


def test_create_all_never_overwrites_and_names_the_existing_file(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("theirs", encoding="utf-8")
    with pytest.raises(FileExistsError) as caught:
        create_all({tmp_path / "a.yaml": "mine", tmp_path / "b.yaml": "mine"})
    assert caught.value.filename == str(tmp_path / "b.yaml")
    assert not (tmp_path / "a.yaml").exists(), "all or nothing: the first file is removed again"
    assert (tmp_path / "b.yaml").read_text(encoding="utf-8") == "theirs"
    assert _leftovers(tmp_path) == []


def test_create_all_respects_the_umask(tmp_path: Path) -> None:
    with _umask(0o027):
        create_all({tmp_path / "sub" / "a.yaml": "x"})
    assert stat.S_IMODE(os.stat(tmp_path / "sub" / "a.yaml").st_mode) == 0o640


# --------------------------------------------------------------------------- killed while writing

_SLOW_WRITER = textwrap.dedent("""
    import os, signal, sys, time
    # As from a terminal: a runner started under nohup hands down "ignore SIGHUP", and one whose
    # workers ignore Ctrl-C (pytest-xdist's) "ignore SIGINT", which Python then leaves ignored.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from chilecite import files
    from chilecite.cli import exit_on_signals
    exit_on_signals()  # as `chilecite` does: the library itself installs no handler
    if sys.argv[2] == "named":
        files._unnamed_file = lambda directory: None
    real_fsync = os.fsync
    def slow_fsync(fd):
        print("writing", flush=True)
        time.sleep(60)
    files.os.fsync = slow_fsync
    files.write_output(sys.argv[1], "new" * 1000)
""")


def _killed_mid_write(tmp_path: Path, sig: int, how: str) -> subprocess.CompletedProcess | int:
    out = tmp_path / "out.bib"
    out.write_text("old", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(out), how], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline() == b"writing\n", child.stderr.read()
    child.send_signal(sig)
    return child.wait(timeout=30)


def test_kill_9_mid_write_leaves_nothing_behind(tmp_path: Path) -> None:
    if not _unnamed_files_work(tmp_path):
        pytest.skip("this system cannot give a file its name after writing it (no O_TMPFILE or linkat): a SIGKILL can leave a temporary")
    returncode = _killed_mid_write(tmp_path, signal.SIGKILL, "unnamed")
    assert returncode == -signal.SIGKILL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bib"]
    assert (tmp_path / "out.bib").read_text(encoding="utf-8") == "old"


def test_kill_9_during_a_large_real_write_leaves_old_or_new_and_nothing_else(tmp_path: Path) -> None:
    """No patching: a 64 MB export killed at several moments of its write."""
    if not _unnamed_files_work(tmp_path):
        pytest.skip("this system cannot give a file its name after writing it (no O_TMPFILE or linkat)")
    out = tmp_path / "out.bib"
    script = "import sys; from chilecite.files import write_output; print('go', flush=True); write_output(sys.argv[1], 'n' * (64 << 20))"
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2):
        out.write_text("old", encoding="utf-8")
        child = subprocess.Popen([sys.executable, "-c", script, str(out)], stdout=subprocess.PIPE)
        assert child.stdout.readline() == b"go\n"
        time.sleep(delay)
        child.kill()
        child.wait(timeout=30)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bib"], delay
        size = out.stat().st_size
        assert size in (3, 64 << 20), f"a half-written output ({size} bytes) after a kill at {delay}s"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "SIGINT"])
@pytest.mark.parametrize("how", ["unnamed", "named"])
def test_sigterm_sighup_and_ctrl_c_mid_write_clean_up(tmp_path: Path, sig: int, how: str) -> None:
    if how == "unnamed" and not _unnamed_files_work(tmp_path):
        pytest.skip("this system cannot give a file its name after writing it (no O_TMPFILE or linkat)")
    _killed_mid_write(tmp_path, sig, how)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bib"]
    assert (tmp_path / "out.bib").read_text(encoding="utf-8") == "old"


def test_the_library_leaves_the_process_as_it_found_it(tmp_path: Path) -> None:
    """Writing, loading and citing change no signal handler, leave the garbage collector on, and
    leave citeproc-py's classes as they were (chilecite's workarounds apply only while it renders)."""
    import gc

    from citeproc import model

    from chilecite.files import write_output
    from chilecite.workspace import Workspace

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    classes = {cls: dict(vars(cls)) for cls in vars(model).values() if isinstance(cls, type)}
    write_output(tmp_path / "out.bib", "x")
    Workspace(RECORDS).quotation("allende-history-is-ours").cite(style="apa")
    assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
    assert gc.isenabled() and not gc.get_freeze_count()
    assert {cls: dict(vars(cls)) for cls in classes} == classes
