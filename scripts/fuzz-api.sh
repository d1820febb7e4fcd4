#!/usr/bin/env bash
# The outside judge of the published contract: schemathesis (PyPI) generates requests for
# every operation in /api/openapi.json, valid and invalid, and checks the release server's
# answers against the document, signed in as nobody, a partner, an advertiser and staff.
# It must find no failure.
#   scripts/fuzz-api.sh            (FUZZ_EXAMPLES per operation and phase, default 10)
# Left out: signing out (it would end the run's own session) and the live event stream
# (it never ends by design).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SERVER_BIN:-target/release/traffic-sources-server}
examples=${FUZZ_EXAMPLES:-10}
[ -x "$bin" ] || { echo "build the server first: cargo build --release -p server"; exit 1; }
command -v schemathesis > /dev/null || { echo "schemathesis is missing (scripts/setup.sh installs it)"; exit 1; }
dir=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; rm -rf "$dir"' EXIT

# The fuzzer sends thousands of requests from one address: the per-address rate limits
# are raised so that it judges the answers to honest requests, not its own flood (the API
# tests prove the limits; their 429 is in the document).
"$bin" --port 0 --static-dir "$dir/none" --database-url "sqlite://$dir/fuzz.db" --seed-demo \
  --rate-sign-in-per-min 1000000 --rate-sign-up-per-min 1000000 --rate-verify-per-min 1000000 \
  --rate-writes-per-min 1000000 --sign-in-max-failures-per-address 1000000 \
  --log-level warn > "$dir/out" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do grep -qs 'Listening on' "$dir/out" && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$dir/out" | head -n1 || true)
[ -n "$base" ] || { echo "the server did not start:"; cat "$dir/out"; exit 1; }

# role email: the session cookie header of that demo account.
cookie_of() {
  curl -s -o /dev/null -c "$dir/$1.jar" -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"demo-password\"}" "$base/api/session"
  awk 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$dir/$1.jar"
}

failed=0
for who in anonymous partner advertiser staff; do
  headers=()
  if [ "$who" != anonymous ]; then
    cookie=$(cookie_of "$who" "$who@demo.test")
    [ -n "$cookie" ] || { echo "signing in as $who@demo.test failed"; exit 1; }
    headers=(-H "Cookie: $cookie")
  fi
  echo "==> schemathesis as $who"
  if ! schemathesis run "$base/api/openapi.json" "${headers[@]}" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
      --exclude-name 'DELETE /api/session' --exclude-name 'DELETE /api/sessions' --exclude-name 'GET /api/events' \
      --phases examples,coverage,fuzzing --max-examples "$examples" \
      --suppress-health-check all --no-color --output-truncate false \
      --seed 7 --max-response-time 10 --report-dir "$dir/report-$who" \
      > "$dir/$who.log" 2>&1; then
    failed=1
    cat "$dir/$who.log"
  else
    tail -n 8 "$dir/$who.log"
  fi
done
if [ "$failed" != 0 ]; then
  echo "schemathesis found failures (above)"
  exit 1
fi
echo "schemathesis: no failures as anonymous, partner, advertiser or staff"
