#!/usr/bin/env bash
# Attacks against the release server on this machine (127.0.0.1 only), one at a time, each
# for ATTACK_SECONDS (default 20). During each, an honest client on another address
# (127.0.0.2, scripts/attack/probe.py) clicks a tracking link and asks who is signed in on
# new connections; the script prints per attack what the attacker did, what the server
# held (its peak of open connections, sampled by ss) and the honest calls' p50/p99 and
# failures. Targets: the redirect's p99 under 50 ms during any attack, no honest call
# failing. The server runs with its default limits.
#   scripts/attack.sh            (cargo build --release -p server first, or SERVER_BIN=…)
#   ATTACKS="none slowloris" scripts/attack.sh    only these
# Attacks: slowloris (slowhttptest -H), a slow body (-B), a slow read (-X), a connection
# flood from one address and from 100, a sign-in flood (wrk), stalled CSV downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SERVER_BIN:-target/release/traffic-sources-server}
seconds=${ATTACK_SECONDS:-20}
[ -x "$bin" ] || { echo "build the server first: cargo build --release -p server"; exit 1; }
for tool in slowhttptest wrk sqlite3 ss curl python3; do
  command -v "$tool" > /dev/null || { echo "$tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT

db="$dir/attack.db"
"$bin" --port 0 --database-url "sqlite://$db" --static-dir "$dir/none" --seed-demo \
  --click-journal-dir "$dir/journal" --log-level error > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do grep -qs 'Listening on' "$dir/out" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1 || true)
[ -n "$base" ] || { echo "the server did not start:"; cat "$dir/out"; exit 1; }
port=${base##*:}

code=$(sqlite3 "$db" "SELECT c.tracking_code FROM collaborations c JOIN traffic_sources s ON s.id = c.traffic_source_id
  WHERE s.status = 'active' ORDER BY c.id LIMIT 1")
# The honest person's session, made from their own address.
curl -s -o /dev/null --interface 127.0.0.2 -c "$dir/honest.jar" -H 'content-type: application/json' \
  -d '{"email":"partner2@demo.test","password":"demo-password"}' "$base/api/session"
honest=$(awk 'NF >= 7 && $6 == "ts_session" { print "ts_session=" $7 }' "$dir/honest.jar")
# The attacker: a free partner account with 4,000 sources of 3 KB each (12 MB an export).
curl -s -o /dev/null -c "$dir/attacker.jar" -H 'content-type: application/json' \
  -d '{"email":"partner@demo.test","password":"demo-password"}' "$base/api/session"
attacker=$(awk 'NF >= 7 && $6 == "ts_session" { print "ts_session=" $7 }' "$dir/attacker.jar")
sqlite3 "$db" "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 4000)
  INSERT INTO traffic_sources (partner_id, name, name_key, url, url_key, channels, status, visibility, block_reason, version, created_at, updated_at)
  SELECT a.id, 'Bulk ' || i, 'bulk ' || i, 'https://bulk' || i || '.example/', 'https://bulk' || i || '.example/', 1, 'paused', 'private',
         hex(zeroblob(1500)), 1, i, i FROM seq, accounts a WHERE a.email = 'partner@demo.test'"
[ -n "$honest" ] && [ -n "$attacker" ] || { echo "signing in failed"; exit 1; }

echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg); each attack ${seconds} s; honest client on 127.0.0.2"
printf '%-22s | %-92s | %-6s | %-17s | %-17s | %s\n' attack "what the attacker did" held "/t p50/p99 ms" "/api/session p50/p99" "honest failures"

# label command…: runs the attack in the background beside the probe, samples the
# server's open connections, prints the row.
attack() {
  local label=$1
  shift
  if [ -n "${ATTACKS:-}" ] && [[ " $ATTACKS " != *" $label "* ]]; then return; fi
  : > "$dir/attack.out"
  ("$@" > "$dir/attack.out" 2>&1 || true) &
  local attack_pid=$!
  sleep 1 # let the attack build up before measuring
  python3 scripts/attack/probe.py "$base" "$code" "$honest" "$seconds" 127.0.0.2 > "$dir/probe.json" &
  local probe_pid=$!
  local peak=0 n
  while kill -0 "$probe_pid" 2>/dev/null; do
    n=$(ss -Htn state established "( sport = :$port )" | wc -l)
    [ "$n" -gt "$peak" ] && peak=$n
    sleep 0.5
  done
  wait "$probe_pid"
  wait "$attack_pid" 2>/dev/null || true
  local did
  did=$(summary "$label" || true)
  python3 - "$label" "$did" "$peak" "$dir/probe.json" <<'EOF'
import json, sys
label, did, peak, path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
p = json.load(open(path))
t, s = p["redirect"], p["session"]
failed = t["failed"] + s["failed"]
print(f"{label:<22} | {did[:92]:<92} | {peak:<6} | {t['p50']:>6} / {t['p99']:<8} | {s['p50']:>6} / {s['p99']:<8} | {failed} of {t['n'] + s['n']}")
EOF
  # Let what the attack left behind close before the next one.
  for _ in $(seq 1 60); do
    [ "$(ss -Htn state established "( sport = :$port )" | wc -l)" -le 2 ] && break
    sleep 0.5
  done
}

summary() {
  case $1 in
    slowloris|slow-body|slow-read)
      # slowhttptest's last status block, without its colours.
      sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$dir/attack.out" | grep -aE '^(connected|closed|error|service available):' \
        | tail -n 4 | tr -s ' \n' ' ' | sed 's/^ //' ;;
    sign-in-flood)
      grep '^RESULT' "$dir/attack.out" | sed 's/^RESULT //' ;;
    *) tail -n 1 "$dir/attack.out" ;;
  esac
}

none() { sleep "$seconds"; echo "nothing"; }
attack none none
attack slowloris slowhttptest -H -c 1000 -r 200 -i 5 -l "$seconds" -u "$base/api/channels" -p 3
attack slow-body slowhttptest -B -c 500 -r 100 -i 2 -s 8192 -l "$seconds" -u "$base/api/accounts" -p 3
attack slow-read slowhttptest -X -c 500 -r 100 -w 512 -y 1024 -n 5 -z 32 -k 3 -l "$seconds" -u "$base/api/openapi.json" -p 3
attack idle-flood-1-address python3 scripts/attack/sockets.py idle "$base" 1000 1 "$seconds"
attack idle-flood-100-addr python3 scripts/attack/sockets.py idle "$base" 3000 100 "$seconds"
attack sign-in-flood wrk -t1 -c16 -d"${seconds}s" -s scripts/wrk/sign-in-flood.lua "$base/api/session"
# Held past the send timeout (30 s), to see the server cut them off.
attack stalled-downloads python3 scripts/attack/sockets.py stall "$base" 12 "$attacker" /api/traffic-sources/export.csv "$((seconds + 15))"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
