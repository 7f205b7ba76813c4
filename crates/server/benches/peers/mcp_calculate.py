"""The official MCP Python SDK's own server as the MCP peer of the gateway bench
(benches/tool_calls.rs, `SB_BENCH_SUITE=mcp`): `MCPServer` from `mcp` 2.x over streamable HTTP
(its defaults: stateful sessions, SSE responses, uvicorn) on 127.0.0.1:$PORT/mcp, serving a
`calculate` tool with the same exact `Fraction` evaluator as the FastAPI peer.
"""

import os

from mcp.server.mcpserver import MCPServer

from fastapi_calculate import evaluate

server = MCPServer("calculate-peer", log_level="WARNING")


@server.tool()
def calculate(expression: str) -> dict:
    """Evaluates an arithmetic expression exactly."""
    return evaluate(expression)


if __name__ == "__main__":
    server.run("streamable-http", host="127.0.0.1", port=int(os.environ["PORT"]))
