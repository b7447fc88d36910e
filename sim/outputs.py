"""Result folders: one protocol for every command that writes one.

`run`, `mc`, `experiment`, `sweep`, `analyze` and `report` all write through `ResultFolder`:

* **Claim first.** The folder is created if needed and claimed before any work: an exclusive
  lock (`fcntl.flock` on `.threatnet.lock`, which holds pid, host and start time). A second
  command on a claimed folder is refused with one line naming the holder; the kernel drops the
  lock when its holder dies, however it dies, so a stale claim is recovered by the next command.
* **Never delete or overwrite what we did not write.** A folder holding anything that its own
  manifest does not list is refused. `--overwrite` removes only the files the manifest lists,
  never the folder itself; a folder's manifest is `manifest.json`, written at the claim and kept
  current, so even a job killed with SIGKILL leaves a folder that says what is in it.
* **Resume is an identity check.** The manifest carries the command's identity (kind, scenario
  or experiment hash, seed, replicates, code fingerprint ...). The same command resumes; any other
  gets one line saying what differs.
* **Nothing torn is trusted.** Every file, JSON included, is written to a unique hidden temporary
  name beside its target, flushed, fsynced and renamed, and the folder is fsynced.
* **One error path.** Operating-system failures (read-only, disk full, not a folder, permission,
  name too long) become `InputError` naming the path and what went wrong: one line, exit 2.

Default output paths come from `safe_name`, so a scenario's name can never point outside results/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import fnmatch
import hashlib
import json
import os
import platform
import re
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import __version__
from .scenario import InputError

MANIFEST = "manifest.json"
LOCK = ".threatnet.lock"
PROTOCOL = 1
PARTIAL = re.compile(r"^\.(?P<name>.+)\.[0-9]+-[0-9a-f]{8}\.partial$")
MAX_NAME = 80
PACKAGES = ("mesa", "numba", "numpy", "pandas", "pyarrow", "lifelines", "dask", "SALib")
# Sources whose content decides a replicate's numbers: a resume with other code is refused.
MODEL_SOURCES = ("model/*.py", "drivers/*.py", "runners/montecarlo.py", "runners/summary.py", "scenario/*.py")


# --- names and provenance --------------------------------------------------------------------------

def safe_name(name: str) -> str:
    """A folder name made from free text (a scenario's name): no separators, `..`, control characters
    or leading dots; at most MAX_NAME characters (a long name keeps a hash of the whole)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-") or "unnamed"
    if cleaned == name and len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]  # two names that clean alike stay apart
    return f"{cleaned[:MAX_NAME - 9]}-{digest}"


def code_fingerprint() -> str:
    """Hash of the threatnet version and the sources that decide a replicate's numbers."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for pattern in MODEL_SOURCES:
        for path in sorted(here.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def command_line() -> str:
    program = Path(sys.argv[0]).name
    return " ".join(["threatnet", *sys.argv[1:]]) if program in ("threatnet", "cli.py", "__main__.py") \
        else " ".join(sys.argv)


def provenance() -> dict:
    """Who made a result, with what, when: versions, command, host."""
    return {
        "threatnet_version": __version__,
        "command": command_line(),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _package_version(name) for name in PACKAGES},
    }


def manifest(scenario, seed: int, **extra) -> dict:
    """Provenance of a result from one scenario: scenario name and hash, seed, versions and command."""
    from .scenario import scenario_hash

    return {"scenario": scenario.name, "scenario_hash": scenario_hash(scenario), "seed": int(seed), **extra}


# --- durable writes --------------------------------------------------------------------------------

def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def partial_name(target: Path) -> Path:
    """A unique hidden name beside `target`: two writers never share a partial file."""
    return target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")


def write_durably(target: Path, write: Callable[[Path], None]) -> None:
    """`write(partial)` to a unique temporary name beside `target`, fsync it, rename it over
    `target`, fsync the folder. On any error the partial file is removed and `target` is untouched."""
    target = Path(target)
    partial = partial_name(target)
    try:
        write(partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    _fsync_folder(target.parent)


def write_json(path: Path, data: dict) -> None:
    """A JSON file, written durably."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    write_durably(Path(path), lambda partial: partial.write_text(text, encoding="utf-8"))


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then act on them as their handlers would.

    For a part file and the manifest entry that counts it: an interrupt between the two would leave a
    part the manifest does not count. Only the main thread can set handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda signum, frame: caught.append(signum))
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in caught[:1]:  # the first interrupt decides
            handler = previous[number]
            if callable(handler):
                handler(number, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), number)


def os_problem(error: OSError, path: Path | str | None = None) -> InputError:
    """An operating-system failure in the words of a user: the path and what went wrong."""
    where = str(error.filename or path or "")
    reason = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
              errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
              errno.EPERM: "permission denied", errno.ENOTDIR: "a part of the path is a file, not a folder",
              errno.ENAMETOOLONG: "the name is too long for the file system",
              errno.EEXIST: "it exists already", errno.EISDIR: "it is a folder",
              errno.ENOENT: "no such file or folder"}.get(error.errno, error.strerror or str(error))
    return InputError(where, "", f"a writable place for results; {reason}")


@contextlib.contextmanager
def os_errors_as_input(path: Path | str | None = None) -> Iterator[None]:
    """Turn any OSError raised inside into one InputError naming the path."""
    try:
        yield
    except OSError as error:
        raise os_problem(error, path) from None


# --- the claim -------------------------------------------------------------------------------------

class _Lock:
    """An exclusive claim on a folder: flock on `.threatnet.lock`, with its holder written inside."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK
        self.descriptor: int | None = None

    def acquire(self) -> None:
        for _ in range(10):  # the file can be replaced under us by a holder releasing it: try again
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(descriptor, 4096).decode(errors="replace")
                os.close(descriptor)
                raise InputError(str(self.path.parent), "", f"a folder no other command is using; {_holder(holder)}"
                                 ) from None
            except OSError:
                os.close(descriptor)
                raise
            try:
                same = os.fstat(descriptor).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                if not _ours(os.pread(descriptor, 4096, 0)):  # a file of that name we did not write
                    os.close(descriptor)
                    raise InputError(str(self.path), "", "a lock file written by threatnet; this one is not, and "
                                                         "threatnet will not touch it (use another --out)")
                self.descriptor = descriptor
                holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                     "command": command_line()})
                os.ftruncate(descriptor, 0)
                os.pwrite(descriptor, holder.encode(), 0)
                return
            os.close(descriptor)
        raise InputError(str(self.path.parent), "", "a folder no other command is using; its lock kept changing")

    def release(self) -> None:
        if self.descriptor is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still holding it: a waiter sees a stale inode and tries again
        os.close(self.descriptor)
        self.descriptor = None


def _ours(content: bytes) -> bool:
    """A lock file's content is a threatnet holder record, or empty (created a moment ago, or by a command
    killed before it wrote its record)."""
    if not content:
        return True
    try:
        holder = json.loads(content)
    except ValueError:
        return False
    return isinstance(holder, dict) and {"pid", "host", "started_utc"} <= set(holder)


def _holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return (f"it is claimed by pid {holder['pid']} on {holder['host']} since {holder['started_utc']} "
                f"({holder.get('command', 'threatnet')})")
    except (ValueError, KeyError, TypeError):
        return "another threatnet command holds it"


def describe_difference(stored: dict, wanted: dict) -> str:
    """'seed 1 in the folder, 2 now; replicates 100 in the folder, 200 now'."""
    parts = []
    for key in sorted(set(stored) | set(wanted)):
        if stored.get(key) != wanted.get(key):
            show = {"code": "model code", "scenario_hash": "scenario content",
                    "experiment_hash": "experiment content", "sweep_hash": "sweep content"}.get(key, key)
            if key.endswith(("hash", "code")):
                parts.append(f"{show} differs")
            else:
                parts.append(f"{show} {stored.get(key)!r} in the folder, {wanted.get(key)!r} now")
    return "; ".join(parts)


class ResultFolder:
    """A result folder claimed by one command. Use as a context manager:

        with ResultFolder(out, "mc", identity, patterns=["replicates/part-*.parquet"]) as folder:
            folder.write_parquet("replicates/part-00000.parquet", table)
            folder.finish(replicates=1000)

    Leaving the block without `finish` records the status `interrupted` (Ctrl-C, SIGTERM) or
    `failed` in the manifest; the lock is always released.
    """

    def __init__(self, path: str | Path, kind: str, identity: dict, patterns: tuple[str, ...] | list[str] = (),
                 overwrite: bool = False, adding: bool = False):
        self.path = Path(path)
        self.adding = adding  # adding files to a finished result (a report): its status stays
        self.kind = kind
        self.identity = {"kind": kind, **identity}
        self.patterns = list(patterns)
        self.overwrite = overwrite
        self.record: dict = {}
        self.created: list[Path] = []
        self.resumed = False
        self.previous_status: str | None = None
        self._lock = _Lock(self.path)

    # entering and leaving

    def __enter__(self) -> ResultFolder:
        with os_errors_as_input(self.path):
            if self.path.exists() and not self.path.is_dir():
                raise InputError(str(self.path), "", "a folder for results; this is a file")
            missing = [folder for folder in (self.path, *self.path.parents) if not folder.exists()]
            self.path.mkdir(parents=True, exist_ok=True)
            self.created = missing  # the folders this command made, deepest first
            self._lock.acquire()
        try:
            with os_errors_as_input(self.path):
                self._take_over()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if isinstance(error, InputError) and not self.resumed and not self.adding and not self._wrote_any():
                self._discard()  # bad input found after the claim (a scheduler address) writes nothing
            elif error is not None and self.record.get("status") == "running":
                status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
                with contextlib.suppress(OSError):
                    self._save(status=status)
        finally:
            self._lock.release()

    @property
    def complete(self) -> bool:
        """Whether the same command finished in this folder before (nothing left to run)."""
        return self.previous_status == "complete"

    def _take_over(self) -> None:
        stored = self._read_manifest()
        if stored is not None and stored.get("identity") != self.identity:
            if not self.overwrite:
                what = describe_difference(stored.get("identity") or {}, self.identity)
                raise InputError(str(self.path), "", f"a new folder, or one of this same {self.kind} to resume "
                                                     f"(or --overwrite); it holds another result: {what}")
        foreign = self._foreign(stored)
        if foreign:
            shown = ", ".join(sorted(foreign)[:3]) + (" ..." if len(foreign) > 3 else "")
            raise InputError(str(self.path), "", f"an empty folder or one threatnet wrote; it holds files "
                                                 f"threatnet did not write ({shown}), which it will not touch")
        if stored is not None and stored.get("identity") != self.identity:
            self._remove_owned(stored)  # --overwrite: only what that manifest lists
            stored = None
        if stored is not None:
            self.resumed = True
            self.previous_status = stored.get("status")
            self.record = stored
            self.record["patterns"] = sorted(set(stored.get("patterns", [])) | set(self.patterns))
            self._clean_partials()
        else:
            self.record = {"protocol": PROTOCOL, "kind": self.kind, "identity": self.identity,
                           "files": [], "patterns": list(self.patterns)}
        if not self.adding:
            self.record["status"] = "complete" if self.complete else "running"
            self.record.update(provenance())
        self._save()

    def _read_manifest(self) -> dict | None:
        path = self.path / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("protocol") != PROTOCOL:
            raise InputError(str(path), "", "a manifest written by this threatnet; this one is not (a folder of "
                                            "an older version or another program: use a new --out)")
        return data

    # ownership

    def owns(self, relative: str, record: dict | None = None) -> bool:
        record = self.record if record is None else record
        return relative == MANIFEST or relative in record.get("files", []) or any(
            fnmatch.fnmatchcase(relative, pattern) for pattern in record.get("patterns", []))

    def _entries(self) -> list[str]:
        """Every file under the folder, relative, with `/` separators (folders themselves left out)."""
        found = []
        for root, folders, files in os.walk(self.path):
            base = Path(root).relative_to(self.path)
            found += [(base / name).as_posix() for name in files]
            found += [(base / name).as_posix() + "/" for name in folders
                      if os.path.islink(Path(root) / name)]  # a link to a folder is an entry, not ours
        return found

    def _foreign(self, stored: dict | None) -> list[str]:
        ours = {MANIFEST, LOCK}
        foreign = []
        for relative in self._entries():
            name = relative.rsplit("/", 1)[-1]
            partial = PARTIAL.match(name)
            if relative in ours or (stored is not None and (self.owns(relative, stored) or partial and self.owns(
                    relative[: len(relative) - len(name)] + partial["name"], stored))):
                continue
            foreign.append(relative)
        return foreign

    def _clean_partials(self) -> None:
        """Temporary files a killed writer left: ours by name, never trusted."""
        for relative in self._entries():
            name = relative.rsplit("/", 1)[-1]
            partial = PARTIAL.match(name)
            if partial and self.owns(relative[: len(relative) - len(name)] + partial["name"]):
                (self.path / relative).unlink(missing_ok=True)

    def _remove_owned(self, stored: dict) -> None:
        """Remove what `stored` lists (and the folders it made, once empty); never the folder itself."""
        for relative in self._entries():
            if relative != LOCK and (relative == MANIFEST or self.owns(relative, stored)):
                (self.path / relative).unlink(missing_ok=True)
        self._remove_empty_folders()

    def _wrote_any(self) -> bool:
        """Whether any of this folder's own files (other than the manifest) is on disk: work to keep."""
        return any(relative not in (MANIFEST, LOCK) and self.owns(relative) for relative in self._entries())

    def _discard(self) -> None:
        """Remove what this command wrote to a folder that was new or empty (and the folder, if it made it)."""
        with contextlib.suppress(OSError):
            self._remove_owned(self.record)
            self._lock.release()
            for folder in self.created:
                folder.rmdir()  # only empty ones: the folders this command made

    def _remove_empty_folders(self) -> None:
        for root, folders, _ in os.walk(self.path, topdown=False):
            for name in folders:
                with contextlib.suppress(OSError):
                    (Path(root) / name).rmdir()  # only succeeds when empty

    # writing

    def _save(self, **changes) -> None:
        self.record.update(changes)
        write_json(self.path / MANIFEST, self.record)

    def file(self, relative: str) -> Path:
        """Register `relative` as one of this folder's files (in the manifest, before it is written)."""
        if not self.owns(relative):
            self.record["files"].append(relative)
            self._save()
        return self.path / relative

    def write(self, relative: str, write: Callable[[Path], None]) -> Path:
        """Write one file durably: `write(partial_path)` then rename; the manifest lists it first."""
        target = self.file(relative)
        with os_errors_as_input(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            write_durably(target, write)
        return target

    def write_json(self, relative: str, data: dict) -> Path:
        text = json.dumps(data, indent=2, default=str) + "\n"
        return self.write(relative, lambda partial: partial.write_text(text, encoding="utf-8"))

    def write_text(self, relative: str, text: str) -> Path:
        return self.write(relative, lambda partial: partial.write_text(text, encoding="utf-8"))

    def write_parquet(self, relative: str, table) -> Path:
        return self.write(relative, lambda partial: table.to_parquet(partial, index=False))

    def remove(self, pattern: str) -> None:
        """Remove this folder's own files matching `pattern` (intermediate chunks, once merged)."""
        for relative in self._entries():
            if fnmatch.fnmatchcase(relative, pattern) and self.owns(relative):
                (self.path / relative).unlink(missing_ok=True)
        self.record["files"] = [name for name in self.record["files"] if not fnmatch.fnmatchcase(name, pattern)]
        self.record["patterns"] = [p for p in self.record["patterns"] if p != pattern]
        self._remove_empty_folders()
        with os_errors_as_input(self.path):
            self._save()

    def update(self, **fields) -> None:
        """Record progress (or anything else) in the manifest now."""
        with os_errors_as_input(self.path):
            self._save(**fields)

    def finish(self, **fields) -> None:
        """The command is done: status complete, with whatever it wants to record."""
        with os_errors_as_input(self.path):
            self._save(status="complete", **fields)


def open_folder(path: str | Path, kinds: tuple[str, ...] | None = None) -> ResultFolder:
    """Claim an existing result folder to add files to it (a report, an analysis), whatever its identity."""
    path = Path(path)
    manifest_path = path / MANIFEST
    expected = f"a result folder written by threatnet {' or '.join(kinds) if kinds else 'run, mc, experiment or sweep'}"
    if not path.is_dir():
        raise InputError(str(path), "", f"{expected}; {'not a folder' if path.exists() else 'not found'}")
    try:
        stored = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "", f"{expected}; it has no manifest.json") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(str(manifest_path), "", "a JSON manifest of a threatnet result") from None
    if not isinstance(stored, dict) or stored.get("protocol") != PROTOCOL:
        raise InputError(str(manifest_path), "", "a manifest written by this threatnet")
    if kinds and stored.get("kind") not in kinds:
        raise InputError(str(path), "", f"{expected}; this one holds a {stored.get('kind')}")
    identity = {key: value for key, value in (stored.get("identity") or {}).items() if key != "kind"}
    return ResultFolder(path, stored.get("kind", "unknown"), identity, adding=True)
