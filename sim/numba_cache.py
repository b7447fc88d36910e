"""Where numba caches the compiled rules (NUMBA_CACHE_DIR), chosen before numba is imported.

It must never stop the package from importing: numba's `cache=True` raises "no locator available"
at import when it finds no writable folder (read-only HOME and site-packages). So: a
NUMBA_CACHE_DIR the user set, if writable; else $XDG_CACHE_HOME or ~/.cache/threatnet/numba-<digest>;
else <tmp>/threatnet-<uid>/numba-<digest> (private to the user); else a fresh private temporary
folder for this run; else no caching. Imports only the standard library.
"""

from __future__ import annotations

from . import __version__

import hashlib as _hashlib
import os as _os
from pathlib import Path as _Path

_CACHE_NOTED = "_THREATNET_NUMBA_CACHE_NOTED"  # child processes inherit it and say nothing again


def _source_digest() -> str:
    """numba checks only the timestamp of the file that holds a cached function, not of the rules
    it calls, so the cache folder is keyed by all of them: an edited rule never runs stale code."""
    here = _Path(__file__).parent
    sources = sorted((here / "model").glob("*.py")) + [here / "drivers" / "kernel.py"]
    try:
        return _hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    except OSError:
        return f"v{__version__}"


def _writable(folder: _Path, within: _Path | None = None) -> bool:
    """Create `folder` if needed (but not `within`, if given, which must be a folder already) and
    really write (and remove) a probe file in it."""
    import tempfile

    try:
        if within is not None and not within.is_dir():
            return False
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        _os.close(handle)
        _os.unlink(probe)
        return True
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return False


def _user_cache_folder(environ, digest: str) -> tuple[_Path | None, _Path | None]:
    """($XDG_CACHE_HOME (if absolute, as the XDG spec asks) or ~/.cache, then threatnet/numba-<digest>;
    the home folder, which must exist already: a missing HOME is not ours to create)."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and _os.path.isabs(xdg):
        return _Path(xdg) / "threatnet" / f"numba-{digest}", None
    if _os.environ.get("HOME") == "":  # set but empty: no home (expanduser would make it "/")
        return None, None
    try:
        home = _Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password-database entry
        return None, None
    if not home.is_absolute():  # HOME="" or relative: not a place to create folders in
        return None, None
    return home / ".cache" / "threatnet" / f"numba-{digest}", home


def _temp_base() -> _Path | None:
    """The system's temporary folder, unless tempfile found none but the working folder."""
    import tempfile

    try:
        tmp = _Path(tempfile.gettempdir())
    except Exception:  # FileNotFoundError: "No usable temporary directory found"
        return None
    explicit = any(_os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP"))
    try:
        if not explicit and tmp.resolve() == _Path.cwd().resolve():
            return None  # tempfile's last resort; do not litter the user's folder
    except OSError:
        pass
    return tmp


def _private_temp_folder(tmp: _Path, digest: str) -> tuple[_Path, bool]:
    """(<tmp>/threatnet-<uid>/numba-<digest>, whether threatnet-<uid> is a real folder of ours that
    nobody else can write: numba's cache files are pickles, and loading someone else's runs their code)."""
    import stat

    uid = _os.getuid() if hasattr(_os, "getuid") else None
    base = tmp / f"threatnet-{uid if uid is not None else 'user'}"
    folder = base / f"numba-{digest}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = _os.lstat(base)
    except (OSError, ValueError):
        return folder, False
    if not stat.S_ISDIR(info.st_mode):
        return folder, False
    if uid is not None and (info.st_uid != uid or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return folder, False
    return folder, True


def _fresh_temp_folder(tmp: _Path) -> _Path | None:
    """A new private folder for this run (and the processes it starts), removed at exit."""
    import atexit
    import shutil
    import tempfile

    try:
        folder = _Path(tempfile.mkdtemp(prefix="threatnet-numba-", dir=tmp))
    except (OSError, ValueError):
        return None
    if not _writable(folder):
        return None
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _choose_numba_cache(environ) -> tuple[str | None, list[str], str]:
    """(folder or None, folders tried in vain, how): how is "user", "lasting", "this run" or "none"."""
    tried: list[str] = []
    digest = _source_digest()
    given = environ.get("NUMBA_CACHE_DIR", "")
    if given:
        if _writable(_Path(given)):
            return given, tried, "user"
        tried.append(given)
    folder, home = _user_cache_folder(environ, digest)
    if folder is not None:
        if _writable(folder, within=home):
            return str(folder), tried, "lasting"
        tried.append(str(folder))
    tmp = _temp_base()
    if tmp is not None:
        folder, trusted = _private_temp_folder(tmp, digest)
        if trusted and _writable(folder):
            return str(folder), tried, "lasting"
        tried.append(str(folder))
        folder = _fresh_temp_folder(tmp)
        if folder is not None:
            return str(folder), tried, "this run"
        tried.append(f"{tmp}/threatnet-numba-*")
    else:
        tried.append("a temporary folder (none usable)")
    return None, tried, "none"


def _cache_sim_functions_nowhere() -> bool:
    """Leave threatnet's `@njit(cache=True)` functions uncached (numba's NullCache), instead of numba
    raising "cannot cache function ...: no locator available" when they are defined."""
    try:
        from numba.core import dispatcher
    except ImportError:
        return False
    original = dispatcher.Dispatcher.enable_caching
    if getattr(original, "_threatnet_uncached", False):
        return True

    def enable_caching(self):
        if (getattr(self.py_func, "__module__", None) or "").partition(".")[0] != "sim":
            original(self)

    enable_caching._threatnet_uncached = True
    dispatcher.Dispatcher.enable_caching = enable_caching
    return True


def _configure_numba_cache(environ=_os.environ) -> str | None:
    """Set NUMBA_CACHE_DIR (see above), print a one-line note when caching is not lasting; the folder."""
    import sys

    given = environ.get("NUMBA_CACHE_DIR", "")
    folder, tried, how = _choose_numba_cache(environ)
    if folder is not None:
        environ["NUMBA_CACHE_DIR"] = folder
    if "numba.core.config" in sys.modules:  # numba imported before us: make it read the change
        sys.modules["numba.core.config"].reload_config()
    if how == "none":
        _cache_sim_functions_nowhere()
    if how == "user" or (how == "lasting" and given not in tried):  # a read-only HOME alone is no news
        return folder
    if not environ.get(_CACHE_NOTED):
        environ[_CACHE_NOTED] = "1"
        places = ", ".join(tried)
        if how == "none":
            print(f"note: no writable cache folder (tried {places}); compiled code will not be cached",
                  file=sys.stderr)
        elif how == "this run":
            print(f"note: no lasting writable cache folder (tried {places}); compiled code is cached for this "
                  f"run only, in {folder}", file=sys.stderr)
        else:
            print(f"note: NUMBA_CACHE_DIR={given} is not writable; compiled code is cached in {folder}",
                  file=sys.stderr)
    return folder


