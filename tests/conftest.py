"""Shared by every test folder: this folder is on ``sys.path`` (pytest puts a rootdir
conftest's folder there), so helpers used across layers, such as ``loopback_servers``
(a SOCKS5 proxy and a fake DC on 127.0.0.1), import by name."""

from hypothesis import settings

# Hypothesis's per-example deadline measures wall-clock time: on a busy 2-core CI
# machine it fails tests whose subject is correctness, not speed (speed belongs to
# benchmarks/). Tests that set their own deadline keep it.
settings.register_profile("tgkit", deadline=None)
settings.load_profile("tgkit")
