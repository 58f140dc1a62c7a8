#!/usr/bin/env bash
# Acknowledgement benchmark: wrk posts signed `/sluice help` slash commands to a release build of
# `sluice serve` (console mode, loopback only) for 15 s over 32 connections, and reports requests/s,
# p50/p99 latency, non-2xx responses and Sluice's resident memory before and after the load.
# Targets on a 2-core machine: p99 under 20 ms, zero non-2xx, RSS growth under 50 MB.
#
# Usage: bench/ack/run.sh               (from anywhere; exit code 1 when a target is missed)
#        bench/ack/run.sh --self-test   (only check the wrk script's HMAC-SHA256 signing: Slack's
#                                        published example, RFC test vectors, and openssl)
#        SLUICE_BIN=path/to/sluice bench/ack/run.sh   (skip the release build, use that binary)
#        DURATION=30s CONNECTIONS=64 bench/ack/run.sh (other load shapes; the targets stay the same)
# Needs wrk, curl, ps (procps), openssl and luajit; installs missing ones with apt-get when run as root.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/ack"
LUA="$HERE/signed-help.lua"
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS=2
SECRET="bench-ack-signing-secret-0123456789abcdef"
PIPELINE="shop"
TARGET_P99_MS=20
TARGET_RSS_GROWTH_MB=50

MODE="bench"
case "${1:-}" in
    "") ;;
    --self-test) MODE="self-test" ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument '$1' (try --self-test or --help)" >&2; exit 2 ;;
esac

. "$REPO/bench/lib.sh"

# Checks the wrk script's signing: its own self-test (Slack's example and RFC vectors), then
# HMAC-SHA256 against openssl over keys and messages around the 64-byte block boundaries.
self_test() {
    echo "self-test of $LUA:"
    luajit "$LUA" --self-test | sed 's/^/  /'
    local key_length message_length key message want got failures=0 checks=0
    for key_length in 1 32 64 65 131; do
        for message_length in 0 1 55 56 63 64 65 119 120 1000; do
            key="$(openssl rand -hex 100)"
            key="${key:0:$key_length}"
            message="$(openssl rand -base64 1000 | tr -d '\n')"
            message="${message:0:$message_length}"
            want="$(printf '%s' "$message" | openssl dgst -sha256 -hmac "$key" -r | cut -d' ' -f1)"
            got="$(luajit "$LUA" --hmac "$(printf '%s' "$key" | od -An -v -tx1 | tr -d ' \n')" \
                "$(printf '%s' "$message" | od -An -v -tx1 | tr -d ' \n')")"
            checks=$((checks + 1))
            if [ "$got" != "$want" ]; then
                failures=$((failures + 1))
                echo "  FAIL  key ${key_length} B, message ${message_length} B: lua $got, openssl $want"
            fi
        done
    done
    if [ "$failures" -ne 0 ]; then
        echo "  $failures of $checks HMAC-SHA256 comparisons with openssl failed" >&2
        return 1
    fi
    echo "  ok    $checks HMAC-SHA256 comparisons with openssl (keys 1–131 B, messages 0–1000 B)"
}

if [ "$MODE" = "self-test" ]; then
    need luajit:luajit openssl:openssl
    self_test
    exit 0
fi

need wrk:wrk curl:curl ps:procps openssl:openssl luajit:luajit
self_test

sluice_binary

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-ack.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Prints the server log and stops with a message.
fail_with_log() {
    echo "$1" >&2
    if [ -s "$WORK/serve.log" ]; then
        echo "--- last lines of the sluice serve log ---" >&2
        tail -n 30 "$WORK/serve.log" >&2
    fi
    exit 1
}

# A copy of the demo manifest in a scratch folder, its schedules moved to once a year (03:00 on
# 1 January) so that nothing but the benchmark's requests runs while it is measured. One manual run
# first records a run in the state store, so `serve` does not start the pipeline itself ("never
# ran") during the load either.
echo "preparing a scratch copy of the demo manifest in $WORK…"
mkdir -p "$WORK/manifest"
cp -R "$REPO/manifest/models" "$WORK/manifest/"
[ -d "$REPO/manifest/demo" ] && cp -R "$REPO/manifest/demo" "$WORK/manifest/"
sed -E 's/^([[:space:]]*schedule:).*$/\1 "0 3 1 1 *"/' "$REPO/manifest/sluice.yml" > "$WORK/manifest/sluice.yml"
export SLUICE_MANIFEST="$WORK/manifest/sluice.yml"
export SLUICE_STATE="$WORK/state.sqlite"
unset SLACK_BOT_TOKEN
echo "running pipeline $PIPELINE once (so serve has nothing to start)…"
if ! (cd "$WORK" && "$SLUICE" run "$PIPELINE" >"$WORK/run.log" 2>&1); then
    if [ ! -s "$WORK/state.sqlite" ]; then
        cat "$WORK/run.log" >&2
        echo "sluice run $PIPELINE failed before recording anything; see above" >&2
        exit 1
    fi
    echo "  (the run reported failures; that is fine for this benchmark)"
fi

# A free loopback port: nothing answers a TCP connect on it.
PORT=""
for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
        PORT="$candidate"
        break
    fi
done
[ -n "$PORT" ] || { echo "could not find a free loopback port" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"

echo "starting sluice serve on $BASE (console mode)…"
(cd "$WORK" && SLUICE_HOST=127.0.0.1 SLUICE_PORT="$PORT" SLACK_SIGNING_SECRET="$SECRET" \
    exec "$SLUICE" serve) >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || fail_with_log "sluice serve exited during start-up"
    if curl -fsS --max-time 1 "$BASE/healthz" >/dev/null 2>&1; then
        ready=yes
        break
    fi
    sleep 0.2
done
[ -n "$ready" ] || fail_with_log "sluice serve did not answer GET /healthz within 60 s"
echo "  /healthz: $(curl -sS --max-time 2 "$BASE/healthz")"

# One request signed with openssl: the route must accept the signature and answer help at once.
BODY="token=acceptanceVerificationToken01&team_id=T0ACCEPT1&team_domain=acceptance&channel_id=C0123CHAN&channel_name=acceptance&user_id=U0123ABCD&user_name=u0123abcd&command=%2Fsluice&text=help&api_app_id=A0SLUICE01&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0ACCEPT1%2F1234567890%2FabcdefABCDEF1234&trigger_id=1795275527.1.c344e0c6bd9e49b59ee093d55b23ee8a"
TS="$(date +%s)"
SIGNATURE="v0=$(printf 'v0:%s:%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"
STATUS="$(curl -sS --max-time 5 -o "$WORK/preflight.body" -w '%{http_code}' -X POST "$BASE/slack/commands" \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    -H "X-Slack-Request-Timestamp: $TS" -H "X-Slack-Signature: $SIGNATURE" \
    --data-binary "$BODY" || true)"
if [ "$STATUS" != "200" ] || ! grep -q '"response_type":"ephemeral"' "$WORK/preflight.body"; then
    echo "a signed '/sluice help' got HTTP $STATUS: $(head -c 300 "$WORK/preflight.body" 2>/dev/null)" >&2
    case "$STATUS" in
        404) fail_with_log "POST /slack/commands is not served by this build (is the Slack surface wired into serve?)" ;;
        401) fail_with_log "the signed request was refused: does serve read SLACK_SIGNING_SECRET?" ;;
        *) fail_with_log "expected HTTP 200 with an ephemeral JSON reply" ;;
    esac
fi
echo "  signed /sluice help: HTTP 200, ephemeral reply"

rss_kib() { ps -o rss= -p "$SERVER_PID" | tr -d ' '; }
RSS_BEFORE_KIB="$(rss_kib)"

echo "load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency against $BASE/slack/commands…"
SECONDS_LIMIT="$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; if (d ~ /h$/) n *= 3600; print int(n) + 60 }')"
SLACK_SIGNING_SECRET="$SECRET" timeout "$SECONDS_LIMIT" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$BASE/slack/commands" \
    | tee "$WORK/wrk.out" || fail_with_log "wrk failed or overran its time limit"
kill -0 "$SERVER_PID" 2>/dev/null || fail_with_log "sluice serve died during the load"
RSS_AFTER_KIB="$(rss_kib)"

RESULT="$(grep '^BENCH_RESULT ' "$WORK/wrk.out" || true)"
[ -n "$RESULT" ] || fail_with_log "wrk printed no BENCH_RESULT line (see its output above)"
field() { printf '%s\n' "$RESULT" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
RATE="$(field requests_per_s)"
P50="$(field p50_ms)"
P99="$(field p99_ms)"
NON2XX="$(field non2xx)"
SOCKET_ERRORS="$(field socket_errors)"
RSS_BEFORE_MB="$(awk -v k="$RSS_BEFORE_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"
RSS_AFTER_MB="$(awk -v k="$RSS_AFTER_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"
RSS_GROWTH_MB="$(awk -v a="$RSS_AFTER_KIB" -v b="$RSS_BEFORE_KIB" 'BEGIN { printf "%.1f", (a - b) / 1024 }')"

verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
P99_VERDICT="$(verdict "$P99 < $TARGET_P99_MS")"
NON2XX_VERDICT="$(verdict "$NON2XX == 0 && $SOCKET_ERRORS == 0")"
RSS_VERDICT="$(verdict "$RSS_GROWTH_MB < $TARGET_RSS_GROWTH_MB")"

echo
echo "== bench/ack: signed /sluice help, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores =="
printf '  %-15s %10s\n' "requests/s" "$(printf '%.0f' "$RATE")"
printf '  %-15s %10.2f\n' "p50 ms" "$P50"
printf '  %-15s %10.2f   %-34s %s\n' "p99 ms" "$P99" "target < $TARGET_P99_MS ms" "$P99_VERDICT"
printf '  %-15s %10s   %-34s %s\n' "non-2xx" "$NON2XX" "target 0 (socket errors: $SOCKET_ERRORS)" "$NON2XX_VERDICT"
printf '  %-15s %10s\n' "RSS before MB" "$RSS_BEFORE_MB"
printf '  %-15s %10s\n' "RSS after MB" "$RSS_AFTER_MB"
printf '  %-15s %10s   %-34s %s\n' "RSS growth MB" "$RSS_GROWTH_MB" "target < $TARGET_RSS_GROWTH_MB MB" "$RSS_VERDICT"

if [ "$P99_VERDICT$NON2XX_VERDICT$RSS_VERDICT" != "PASSPASSPASS" ]; then
    echo "result: FAIL" >&2
    exit 1
fi
echo "result: PASS"
