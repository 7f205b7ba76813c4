// Drives the gateway's /mcp with the official TypeScript MCP SDK (npm `@modelcontextprotocol/sdk`)
// in its default mode and prints one JSON object on stdout describing what the client saw. The
// Rust test (tests/it/mcp_peers.rs) asserts on it; this script only reports.
//
//     node mcp_ts_client.mjs URL [SCENARIO]
//
// SCENARIO is `tools` (list, call, invalid call, unknown tool, close) or `cancel` (call
// `wait_for_cancel` with a progress callback, abort it after the first progress notification, then
// wait for the gateway's `stopped_calls` to count it stopped).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const [url, scenario = 'tools'] = process.argv.slice(2);

function sdkVersion() {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@modelcontextprotocol/sdk/client/index.js');
  const root = main.slice(0, main.lastIndexOf('/dist/'));
  return JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version;
}

const resultJson = (r) => ({
  isError: r.isError ?? null,
  text: r.content.filter((c) => c.type === 'text').map((c) => c.text),
  structuredContent: r.structuredContent ?? null,
});

async function tools(client, out) {
  const listed = await client.listTools();
  out.tools = listed.tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema }));
  // Title and behaviour hints as the SDK parsed them.
  out.annotations = Object.fromEntries(
    listed.tools.map((t) => [t.name, { title: t.title ?? null, annotations: t.annotations ?? null }]),
  );
  out.calculate = resultJson(
    await client.callTool({ name: 'calculate', arguments: { expression: '0.1 + 0.2' } }),
  );
  out.invalid = resultJson(
    await client.callTool({ name: 'calculate', arguments: { expression: 3, extra: true } }),
  );
  try {
    await client.callTool({ name: 'no_such_tool', arguments: {} });
    out.unknown = { error: null };
  } catch (e) {
    if (!(e instanceof McpError)) throw e;
    out.unknown = { code: e.code, message: e.message };
  }
}

// Whether the gateway's `stopped_calls` tool counts the cancelled call stopped (within 10 s)
// while this client is still connected: the cancel reached the call, not the client's exit.
async function stoppedWhileConnected(client) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const seen = await client.callTool({ name: 'stopped_calls', arguments: {} });
    if (seen.structuredContent.stopped >= 1) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function cancel(client, out) {
  const progress = [];
  const abort = new AbortController();
  let finished = false;
  const call = client
    .callTool({ name: 'wait_for_cancel', arguments: {} }, undefined, {
      signal: abort.signal,
      onprogress: (p) => {
        progress.push({ progress: p.progress, total: p.total ?? null, message: p.message ?? null });
        abort.abort('the test is done waiting');
      },
    })
    .then(() => { finished = true; }, () => {});
  await call;
  out.progress = progress;
  out.finishedBeforeCancel = finished;
  out.stoppedWhileConnected = await stoppedWhileConnected(client);
  out.afterCancel = resultJson(
    await client.callTool({ name: 'calculate', arguments: { expression: '1 + 1' } }),
  );
}

const out = { client: `typescript @modelcontextprotocol/sdk ${sdkVersion()}`, mode: 'default' };
const errors = [];
const transport = new StreamableHTTPClientTransport(new URL(url));
const client = new Client({ name: 'switchboard-peer-test', version: '1.0.0' });
client.onerror = (e) => errors.push(String(e));
await client.connect(transport);
out.protocolVersion = transport.protocolVersion;
if (scenario === 'tools') await tools(client, out); else await cancel(client, out);
// Closing = ending the session (DELETE), then the transport; either failing throws.
await transport.terminateSession();
await client.close();
out.closed = true;
out.warnings = errors;
console.log(JSON.stringify(out));
