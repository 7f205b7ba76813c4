#!/usr/bin/env bash
# Run by .ci/run (and by hand): Schemathesis (PyPI, pinned with its dependencies by
# crates/server/tests/peers/schemathesis-requirements.txt, in its own venv) against the admin
# API of a real `switchboard serve` on loopback, with a fresh SQLite store and an admin key,
# driven by the document the gateway serves at /admin/openapi.json. It fails on any 5xx and on
# any answer that does not match the document (status, content type, schema). A missing or
# broken Schemathesis fails this step; nothing is skipped.
#
# The number of examples per operation is bounded so the step stays near a minute on two
# cores: SWITCHBOARD_FUZZ_EXAMPLES (default 60; 100 took 55 s). The gateway is the debug
# binary of the test build (`cargo test --workspace --all-features`, which .ci/run runs just
# before, so nothing is rebuilt there), or SWITCHBOARD_BIN when set.
# Needs python3 (>= 3.10, with venv).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${SWITCHBOARD_SCHEMATHESIS_VENV:-$root/target/schemathesis-venv}"
examples="${SWITCHBOARD_FUZZ_EXAMPLES:-60}"

echo "ci: installing Schemathesis for the admin API fuzz run"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "ci: python3 -m venv failed; the admin API fuzz run needs a venv" >&2; exit 1; }
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r crates/server/tests/peers/schemathesis-requirements.txt \
  || { echo "ci: pip install -r crates/server/tests/peers/schemathesis-requirements.txt failed" >&2; exit 1; }
"$venv/bin/schemathesis" --version \
  || { echo "ci: schemathesis does not run from $venv" >&2; exit 1; }

bin="${SWITCHBOARD_BIN:-}"
if [ -z "$bin" ]; then
  cargo test --quiet --workspace --all-features --no-run
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/switchboard"
fi

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

key="fuzz-admin-key-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
cat > "$work/switchboard.toml" <<EOF
listen = "127.0.0.1:0"

[admin]
key = "$key"

[store]
sqlite = "$work/switchboard.db"

[audit]
enabled = true
EOF

"$bin" --config "$work/switchboard.toml" serve > "$work/stdout" 2> "$work/stderr" &
server=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^switchboard listening on \(http:[^ ]*\).*/\1/p' "$work/stdout" | head -n1)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { echo "ci: switchboard serve exited:" >&2; cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "ci: switchboard serve did not print its address" >&2; cat "$work/stderr" >&2; exit 1; }
echo "ci: fuzzing the admin API at $url ($examples examples per operation)"

status=0
# From the scratch folder: Schemathesis keeps its state in ./.schemathesis.
(cd "$work" && "$venv/bin/schemathesis" run "$url/admin/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --workers 1 \
  --seed "${SWITCHBOARD_FUZZ_SEED:-20261207}" \
  --request-timeout 10 \
  --suppress-health-check too_slow,filter_too_much \
  --output-truncate false) \
  || status=$?

if [ "$status" -ne 0 ]; then
  echo "ci: Schemathesis found failures in the admin API (above); the gateway's log:" >&2
  tail -n 50 "$work/stderr" >&2
  exit "$status"
fi
kill -0 "$server" 2>/dev/null || { echo "ci: switchboard serve died during the run:" >&2; cat "$work/stderr" >&2; exit 1; }
echo "ci: the admin API answered every Schemathesis case without a 5xx and as documented"
