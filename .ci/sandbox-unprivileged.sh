#!/usr/bin/env bash
# Runs the execute_code sandbox tests a second time the way a gateway without root meets them: as an
# unprivileged user (nobody by default), with namespaces switched off as Docker's default seccomp
# profile or Ubuntu's user-namespace restriction would. The code then shares the test process's uid,
# so the tests in tests/execute_code/gateway.rs show that it still cannot signal, renice or limit
# the process running it, and that a host which cannot protect it fails closed.
#
# Call it after `cargo test --workspace --all-features`: it reuses that build (same flags, no rebuild).
# It must start as root, to switch to the unprivileged user.
set -euo pipefail
cd "$(dirname "$0")/.."

user=${SWITCHBOARD_SANDBOX_TEST_USER:-nobody}
if [ "$(id -u)" != 0 ]; then
  echo "sandbox-unprivileged: must start as root to run the tests as $user" >&2
  exit 1
fi
uid=$(id -u "$user")
gid=$(id -g "$user")
if [ "$uid" = 0 ]; then
  echo "sandbox-unprivileged: $user is root; pick an unprivileged user" >&2
  exit 1
fi

# The test binary of the build CI just ran: same command, same features, so cargo only reports it.
# SWITCHBOARD_SANDBOX_TEST_BIN names one directly (for a local run after a narrower build).
bin=${SWITCHBOARD_SANDBOX_TEST_BIN:-}
if [ -z "$bin" ]; then
  artifacts=$(mktemp)
  if ! cargo test --workspace --all-features --no-run --message-format=json >"$artifacts"; then
    echo "sandbox-unprivileged: cargo test --no-run failed" >&2
    exit 1
  fi
  bin=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    t = m.get("target", {})
    if m.get("reason") == "compiler-artifact" and t.get("name") == "execute_code" \
            and "test" in t.get("kind", []) and m.get("executable"):
        print(m["executable"])
' "$artifacts" | tail -n 1)
  rm -f "$artifacts"
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "sandbox-unprivileged: cannot find the execute_code test binary (got '$bin')" >&2
  exit 1
fi

# The target and source directories may sit under a directory the user cannot enter (a home of mode
# 700), so the binary and the snapshots it compares against are staged in a fresh world-readable
# directory. insta finds the snapshots through INSTA_WORKSPACE_ROOT.
stage=$(mktemp -d /tmp/switchboard-sandbox-ci-XXXXXX)
trap 'rm -rf "$stage"' EXIT
snapshots=crates/functions/tests/execute_code/snapshots
mkdir -p "$stage/ws/$snapshots"
cp "$bin" "$stage/execute_code"
cp "$snapshots"/*.snap "$stage/ws/$snapshots/"
chmod -R a+rX "$stage"
chmod 755 "$stage/execute_code"

echo "sandbox-unprivileged: running $(basename "$bin") as $user (uid $uid), namespaces off"
cd "$stage"
# Every layer that can exist here is required, so a missing one fails instead of skipping:
# uid_drop is `not_needed` without root, and namespaces are off on purpose.
env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$stage" TMPDIR=/tmp LANG=C.UTF-8 \
  SWITCHBOARD_TEST_SANDBOX_NAMESPACES=off \
  SWITCHBOARD_REQUIRE_SANDBOX=rlimits,uid_drop,no_new_privs,seccomp,landlock \
  INSTA_UPDATE=no INSTA_WORKSPACE_ROOT="$stage/ws" \
  setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all --bounding-set=-all \
  "$stage/execute_code" --test-threads=2
