"""Shared by every test folder: this folder is on ``sys.path`` (pytest puts a rootdir
conftest's folder there), so helpers used across layers, such as ``loopback_servers``
(a SOCKS5 proxy and a fake DC on 127.0.0.1), import by name."""

import atexit
import os
import shutil
import tempfile

from hypothesis import settings

# Tests never touch the user's own tgkit data or config: the default store
# (~/.local/share/tgkit/tgkit.db), the provenance key and config.toml all live
# under XDG folders, pointed here at a throwaway folder before tgkit is imported
# (DEFAULT_STORE_PATH is computed at import). Subprocesses (CLI runs, notebook
# kernels) inherit it.
_XDG_ROOT = tempfile.mkdtemp(prefix="tgkit-tests-xdg-")
os.environ["XDG_DATA_HOME"] = os.path.join(_XDG_ROOT, "data")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_XDG_ROOT, "config")
atexit.register(shutil.rmtree, _XDG_ROOT, ignore_errors=True)

# Hypothesis's per-example deadline measures wall-clock time: on a busy 2-core CI
# machine it fails tests whose subject is correctness, not speed (speed belongs to
# benchmarks/). Tests that set their own deadline keep it.
settings.register_profile("tgkit", deadline=None)
settings.load_profile("tgkit")
