#!/usr/bin/env bash
# The Node peer of ../shared/perf, side by side with itself carrying our payload: what the load
# generator's cost per delivery does to a ratio taken at the peer's saturation.
#
#   benchmarks/spec_payload_peer.sh --clients 1000 --rate 200 --duration 15
#
# The peer's new_message is {id, sessionId, userId, user {id, name}, text, isPinned, isDeleted,
# createdAt} with the short ids "u1".."u1005" and "bench". Ours is the SPEC §6 Message (UUIDs,
# user {id, name, avatar, role}) followed by SPEC §16's {sessionId, seq}: about 440 bytes against
# 230, which fanout.js parses on every delivery. This copies the peer, changes only its payload to
# that shape (same ids and names as benchmarks/fanout.py's data), and runs compare.sh with the
# unchanged peer as "node" and the copy as "target" (arguments are compare.sh's). PERF: the harness
# directory (default ../shared/perf next to this checkout).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PERF="${PERF:-$(cd "$HERE/../../shared/perf" && pwd)}"
WORK="$(mktemp -d)"
trap 'kill "${PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cp -r "$PERF/node-peer" "$WORK/peer"
if [[ ! -d $WORK/peer/node_modules ]]; then (cd "$WORK/peer" && npm ci --no-audit --no-fund >&2); fi
python3 - "$WORK/peer/server.js" <<'PY'
import sys
path = sys.argv[1]
source = open(path).read()
old = """    const message = {
      id: crypto.randomUUID(),
      sessionId,
      userId,
      user: { id: userId, name: userId },
      text,
      isPinned: false,
      isDeleted: false,
      createdAt: new Date().toISOString(),
    };
    io.to(roomName(sessionId)).emit('new_message', message);"""
new = """    if (!specIds.has(userId)) specIds.set(userId, crypto.randomUUID());
    const uid = specIds.get(userId);
    const message = {
      id: crypto.randomUUID(),
      sessionId: SPEC_SESSION,
      userId: uid,
      user: { id: uid, name: 'Bench ' + userId.slice(1), avatar: null, role: 'ATTENDEE' },
      text,
      isPinned: false,
      isDeleted: false,
      createdAt: new Date().toISOString(),
    };
    specSeq += 1;
    io.to(roomName(sessionId)).emit('new_message', message, { sessionId: SPEC_SESSION, seq: specSeq });"""
anchor = "io.on('connection', (socket) => {"
if old not in source or anchor not in source:
    sys.exit("spec_payload_peer.sh: the peer's send_message is not the one this script knows")
source = source.replace(old, new).replace(
    anchor, "const specIds = new Map(); const SPEC_SESSION = crypto.randomUUID(); let specSeq = 0;\n" + anchor, 1
)
open(path, "w").write(source)
PY

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$WORK/peer" && PORT=$PORT exec node server.js >"$WORK/peer.log" 2>&1) &
PID=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/peer.log" 2>/dev/null && break; sleep 0.1; done
"$PERF/compare.sh" "$@" --target "http://127.0.0.1:$PORT" --target-pid "$PID"
