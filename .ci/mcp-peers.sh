# Sourced by .ci/run: installs the peers' official libraries the peer tests drive and makes
# their absence a test failure: the MCP client SDKs (crates/server/tests/it/mcp_peers.rs) and
# the Standard Webhooks library (crates/webhooks/tests/it/peer_library.rs).
#   - Python SDK (PyPI `mcp`) and PyPI `standardwebhooks`, pinned with their dependencies by
#     tests/peers/requirements.txt, in their own venv, so they stay out of the system
#     interpreter; the tests run it as $SWITCHBOARD_MCP_PYTHON and $SWITCHBOARD_PEERS_PYTHON.
#   - TypeScript SDK (npm `@modelcontextprotocol/sdk`, pinned by tests/peers/package-lock.json)
#     into crates/server/tests/peers/node_modules, where the peer script resolves it.
# Needs python3 (>= 3.10, with venv), node (>= 18) and npm.

mcp_peers_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mcp_peers_venv="${SWITCHBOARD_MCP_VENV:-$mcp_peers_root/target/mcp-peers-venv}"

echo "ci: installing the MCP client SDKs for the peer tests"
if [ ! -x "$mcp_peers_venv/bin/python" ]; then
  python3 -m venv "$mcp_peers_venv" || { echo "ci: python3 -m venv failed; the MCP peer tests need a venv" >&2; return 1; }
fi
"$mcp_peers_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$mcp_peers_root/crates/server/tests/peers/requirements.txt" \
  || { echo "ci: pip install -r crates/server/tests/peers/requirements.txt failed" >&2; return 1; }
"$mcp_peers_venv/bin/python" -c "import mcp.client" \
  || { echo "ci: the MCP Python SDK is not importable from $mcp_peers_venv" >&2; return 1; }
"$mcp_peers_venv/bin/python" -c "import standardwebhooks" \
  || { echo "ci: standardwebhooks is not importable from $mcp_peers_venv" >&2; return 1; }
(cd "$mcp_peers_root/crates/server/tests/peers" && npm ci --silent --no-audit --no-fund) \
  || { echo "ci: npm ci in crates/server/tests/peers failed; the MCP peer tests need @modelcontextprotocol/sdk" >&2; return 1; }
(cd "$mcp_peers_root/crates/server/tests/peers" && node --input-type=module -e "await import('@modelcontextprotocol/sdk/client/index.js')") \
  || { echo "ci: @modelcontextprotocol/sdk is not importable by node" >&2; return 1; }

export SWITCHBOARD_MCP_PYTHON="$mcp_peers_venv/bin/python"
export SWITCHBOARD_REQUIRE_MCP_PEERS=1
export SWITCHBOARD_PEERS_PYTHON="$mcp_peers_venv/bin/python"
export SWITCHBOARD_REQUIRE_WEBHOOK_PEERS=1
