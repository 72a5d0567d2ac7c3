"""The module docstring's example is what a newcomer types first: it must run as shown."""

from __future__ import annotations

import textwrap

import pytest

import tgkit.sandbox

pytestmark = pytest.mark.telethon_compat


def _example() -> str:
    doc = tgkit.sandbox.__doc__ or ""
    block = doc.split("::", 1)[1].split("\n\n")[1:3]
    return textwrap.dedent("\n\n".join(block))


async def test_module_docstring_example_runs() -> None:
    code = _example()
    setup = code.split("\n\n")[0]
    assert len([line for line in setup.splitlines() if line.strip()]) <= 6  # import + 5 lines
    namespace: dict[str, object] = {}
    body = textwrap.indent(code, "    ")
    exec(f"async def _run():\n{body}\n    return locals()", namespace)
    result = await namespace["_run"]()  # type: ignore[operator]
    client = result["client"]
    try:
        assert len(result["members"]) == 500  # a public group lists its members to anyone
        assert len(result["messages"]) == 300
        assert result["world"].flood_limits is not None
    finally:
        await client.disconnect()
