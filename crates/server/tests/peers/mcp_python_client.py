"""Drives the gateway's /mcp with the official Python MCP SDK (PyPI `mcp`) and prints one JSON
object on stdout describing what the client saw. The Rust test (tests/it/mcp_peers.rs) asserts on
it; this script only reports, so a failing assertion shows the whole exchange.

    python3 mcp_python_client.py URL MODE [SCENARIO]

MODE is the SDK's own `Client(mode=...)`: `auto` (its default: probes `server/discover`, then
speaks 2026-07-28 without sessions), `legacy` (the `initialize` handshake), or `legacy@VERSION`:
the handshake offering the older VERSION instead of the SDK's newest (the SDK accepts every
handshake version; it just always offers its newest, so the constant it offers is replaced).
SCENARIO is `tools` (list, call, invalid call, unknown tool, close) or `cancel` (call
`wait_for_cancel` with a progress callback, cancel it after the first progress notification,
then wait for the gateway's `stopped_calls` to count it stopped).
"""

import asyncio
import json
import logging
import sys

import anyio
import mcp
import mcp.client.session
from mcp import Client
from mcp.shared.exceptions import MCPError


class Collect(logging.Handler):
    """Keeps the SDK's warnings (e.g. a failed session termination) for the report."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()}")


def result_json(result):
    return {
        "isError": result.is_error,
        "text": [c.text for c in result.content if getattr(c, "type", None) == "text"],
        "structuredContent": result.structured_content,
    }


async def tools(client, out):
    listed = await client.list_tools()
    out["tools"] = [
        {"name": t.name, "inputSchema": t.input_schema} for t in listed.tools
    ]
    # Title and behaviour hints as the SDK parsed them.
    out["annotations"] = {
        t.name: {
            "title": t.title,
            "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True)
            if t.annotations
            else None,
        }
        for t in listed.tools
    }
    ok = await client.call_tool("calculate", {"expression": "0.1 + 0.2"})
    out["calculate"] = result_json(ok)
    bad = await client.call_tool("calculate", {"expression": 3, "extra": True})
    out["invalid"] = result_json(bad)
    try:
        await client.call_tool("no_such_tool", {})
        out["unknown"] = {"error": None}
    except MCPError as e:
        out["unknown"] = {"code": e.code, "message": e.error.message}


async def cancel(client, out):
    progress = []
    first = anyio.Event()

    async def on_progress(value, total, message):
        progress.append({"progress": value, "total": total, "message": message})
        first.set()

    finished = None
    async with anyio.create_task_group() as tg:

        async def call():
            nonlocal finished
            finished = await client.call_tool("wait_for_cancel", {}, progress_callback=on_progress)

        tg.start_soon(call)
        with anyio.fail_after(10):
            await first.wait()
        tg.cancel_scope.cancel()
    out["progress"] = progress
    out["finishedBeforeCancel"] = finished is not None
    out["stoppedWhileConnected"] = await stopped_while_connected(client)
    # The session is still usable after a cancelled call.
    after = await client.call_tool("calculate", {"expression": "1 + 1"})
    out["afterCancel"] = result_json(after)


async def stopped_while_connected(client):
    """Whether the gateway's `stopped_calls` tool reports the cancelled call stopped (within
    10 s) while this client is still connected: the proof the cancel reached the call, not the
    client's exit closing every connection."""
    with anyio.move_on_after(10):
        while True:
            seen = await client.call_tool("stopped_calls", {})
            if seen.structured_content["stopped"] >= 1:
                return True
            await anyio.sleep(0.05)
    return False


async def main(url, mode, scenario):
    collect = Collect()
    logging.getLogger("mcp").addHandler(collect)
    if mode.startswith("legacy@"):
        mcp.client.session.LATEST_HANDSHAKE_VERSION = mode.removeprefix("legacy@")
        mode = "legacy"
    out = {"client": f"python mcp {mcp_version()}", "mode": mode}
    async with Client(url, mode=mode) as client:
        out["protocolVersion"] = client.protocol_version
        if scenario == "tools":
            await tools(client, out)
        else:
            await cancel(client, out)
    # Leaving the context closed the session (a DELETE for session-based versions).
    out["closed"] = True
    out["warnings"] = collect.messages
    print(json.dumps(out))


def mcp_version():
    from importlib.metadata import version

    return version("mcp")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "tools"))
