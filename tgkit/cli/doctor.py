"""The route to Telegram on the command line: ``--proxy``, ``--server``, ``--server-key``,
``--test-dc`` on every subcommand, and ``tgkit doctor``, which checks a setup step by step.

The options carry the names ``TelegramSession``, ``tgkit.connect`` and the config
file's ``[network]`` table use (``tgkit.telegram.network``); an option not given
falls back to ``TG_PROXY`` etc., then the config file.

Example::

    tgkit doctor --proxy socks5://user:pass@127.0.0.1:1080
    tgkit members @group --test-dc -o members.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tgkit.credentials import load_network_settings
from tgkit.diagnose import check_step_timeout, doctor

__all__ = ["add_doctor", "add_network_options", "network_settings", "run_doctor"]


def add_network_options(parser: argparse.ArgumentParser) -> None:
    """The four route options, for the options every subcommand shares."""
    parser.add_argument(
        "--proxy", metavar="URL",
        help="socks5://[user:pass@]host:port, socks4://…, http://…, or mtproxy://SECRET@host:port",
    )
    parser.add_argument("--server", metavar="HOST:PORT", help="another MTProto server")
    parser.add_argument("--server-key", type=Path, metavar="FILE",
                        help="that server's RSA public key (PEM)")
    parser.add_argument("--test-dc", action="store_true", default=None,
                        help="use Telegram's test servers")


def network_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The route for this run: options, else environment, else config file.

    With ``--sandbox`` any route given is an error (the sandbox runs in process).
    """
    given = {
        "proxy": getattr(args, "proxy", None),
        "server": getattr(args, "server", None),
        "server_key": getattr(args, "server_key", None),
        "test_dc": getattr(args, "test_dc", None),
    }
    if getattr(args, "sandbox", False):
        if any(value is not None for value in given.values()):
            raise ValueError("--proxy, --server and --test-dc do not apply to --sandbox "
                             "(the sandbox runs inside this process)")
        return {}
    return load_network_settings(given)


def add_doctor(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "doctor", parents=parents, help="check the setup step by step",
        description="Check credentials, network settings, the session file, the proxy, "
        "the server, the login and running flood waits; each failing step says what to do.",
    )
    sub.add_argument("--step-timeout", type=_step_timeout, default=15.0, metavar="SECONDS",
                     help="how long each network step may take (default 15)")


def _step_timeout(text: str) -> float:
    try:
        return check_step_timeout(text)
    except (TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


async def run_doctor(args: argparse.Namespace, state: Any) -> dict[str, Any]:
    """Print the report; the exit code is 1 when a step failed."""
    if args.sandbox:
        from tgkit.sandbox import demo_world

        world, me = demo_world()
        client = world.client(me)
        await client.connect()
        try:
            report = await doctor("sandbox", client=client, step_timeout=args.step_timeout)
        finally:
            await client.disconnect()
    else:
        report = await doctor(
            args.name, session_dir=args.session_dir, step_timeout=args.step_timeout,
            **network_settings(args),
        )
    summary: dict[str, Any] = report.to_dict() if args.json else {}
    if not args.json:
        print(report)
    summary["exit_code"] = 0 if report.ok else 1
    return summary
