"""Shared by every test folder: this folder is on ``sys.path`` (pytest puts a rootdir
conftest's folder there), so helpers used across layers, such as ``loopback_servers``
(a SOCKS5 proxy and a fake DC on 127.0.0.1), import by name."""
