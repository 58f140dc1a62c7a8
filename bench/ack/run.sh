#!/usr/bin/env bash
# Acknowledgement benchmark: the same wrk load (signed `/sluice help` slash commands, 2 threads,
# 32 connections, 15 s) on loopback against a release build of `sluice serve` (console mode) and a
# bare Hummingbird route answering the same request with a fixed body, the bytes of Sluice's own
# help reply (bench/ack/bare, the framework's ceiling here), loaded in turns; then against a Bolt
# for Python app answering the same signed command in its fastest configuration
# (bench/ack/bolt_app.py: process_before_response, gunicorn with 2 uvicorn workers, installed
# from PyPI into bench/ack/.venv). Prints each one's
# requests/s, p50/p99, non-2xx (or replies that are not the ephemeral ack) and RSS, and the ratios.
# Targets: Sluice at least 80% of the bare route's requests/s, p99 at most half of Bolt's (and
# under 20 ms), zero non-2xx, RSS growth under 10 MB.
#
# Usage: bench/ack/run.sh               (from anywhere; exit code 1 when a target is missed)
#        bench/ack/run.sh --self-test   (only check the wrk script's HMAC-SHA256 signing: Slack's
#                                        published example, RFC test vectors, and openssl)
#        SLUICE_BIN=path/to/sluice bench/ack/run.sh   (skip the release build, use that binary)
#        DURATION=30s CONNECTIONS=64 bench/ack/run.sh (other load shapes; the targets stay the same)
#        ROUNDS=5 bench/ack/run.sh      (Sluice and the bare route are loaded in turns, 3 rounds by
#                                        default; their medians are compared)
# Needs wrk, curl, ps (procps), openssl, luajit and python3; installs missing ones with apt-get when run as root.
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
TARGET_RSS_GROWTH_MB=10
TARGET_OF_BARE=0.80

MODE="bench"
case "${1:-}" in
    "") ;;
    --self-test) MODE="self-test" ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
    if [ -n "${BARE_PID:-}" ]; then kill -KILL "$BARE_PID" 2>/dev/null || true; fi
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

# free_port: a loopback port nothing answers a TCP connect on.
free_port() {
    local candidate
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "could not find a free loopback port" >&2
    return 1
}
PORT="$(free_port)"
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

# Resident memory of a process and its children (gunicorn's workers), in KiB.
rss_kib() {
    local pids
    pids="$1 $(pgrep -P "$1" | tr '\n' ' ')"
    ps -o rss= -p "$(echo $pids | tr ' ' ',')" | awk '{ s += $1 } END { print s + 0 }'
}

# measure NAME PID URL: the same wrk load against URL; sets RATE_NAME, P50_NAME, P99_NAME,
# NON2XX_NAME, RSS_BEFORE_NAME, RSS_AFTER_NAME (MB).
measure() {
    local name="$1" pid="$2" url="$3" before after result
    before="$(rss_kib "$pid")"
    echo "load ($name): wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency against $url…"
    SLACK_SIGNING_SECRET="$SECRET" timeout "$SECONDS_LIMIT" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$url" \
        > "$WORK/wrk-$name.out" || fail_with_log "wrk failed or overran its time limit ($name)"
    kill -0 "$pid" 2>/dev/null || fail_with_log "$name died during the load"
    after="$(rss_kib "$pid")"
    result="$(grep '^BENCH_RESULT ' "$WORK/wrk-$name.out" || true)"
    [ -n "$result" ] || { cat "$WORK/wrk-$name.out" >&2; fail_with_log "wrk printed no BENCH_RESULT line ($name)"; }
    field() { printf '%s\n' "$result" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    printf -v "RATE_$name" '%s' "$(field requests_per_s)"
    printf -v "P50_$name" '%s' "$(field p50_ms)"
    printf -v "P99_$name" '%s' "$(field p99_ms)"
    printf -v "NON2XX_$name" '%s' "$(( $(field non2xx) + $(field socket_errors) + $(field not_ephemeral) ))"
    printf -v "RSS_BEFORE_$name" '%s' "$(awk -v k="$before" 'BEGIN { printf "%.1f", k / 1024 }')"
    printf -v "RSS_AFTER_$name" '%s' "$(awk -v k="$after" 'BEGIN { printf "%.1f", k / 1024 }')"
}

# stop PID: SIGTERM, then SIGKILL after 5 s.
stop() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}

# wait_for URL PID NAME: until URL answers anything over HTTP (60 s at most).
wait_for() {
    for _ in $(seq 1 300); do
        kill -0 "$2" 2>/dev/null || fail_with_log "$3 exited during start-up"
        curl -sS --max-time 1 -o /dev/null -X POST "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    fail_with_log "$3 did not answer within 60 s"
}

SECONDS_LIMIT="$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; if (d ~ /h$/) n *= 3600; print int(n) + 60 }')"

# 1 and 2. Sluice, and the framework's ceiling: a bare Hummingbird route (bench/ack/bare)
# answering a fixed body, the very bytes Sluice answered the preflight `/sluice help` with (so both
# write the same response). Both run side by side and are loaded in turns, ROUNDS times (default 3),
# and each one's median round is compared: on a shared machine the load of the moment moves both.
echo "building the bare Hummingbird route (release)…"
(cd "$HERE/bare" && swift build -c release >"$WORK/bare-build.log" 2>&1) || { cat "$WORK/bare-build.log" >&2; exit 1; }
BARE_PORT="$(free_port)"
"$HERE/bare/.build/release/BareRoute" "$BARE_PORT" "$WORK/preflight.body" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
wait_for "http://127.0.0.1:$BARE_PORT/slack/commands" "$BARE_PID" "the bare route"
ROUNDS="${ROUNDS:-3}"
for round in $(seq 1 "$ROUNDS"); do
    measure "sluice$round" "$SERVER_PID" "$BASE/slack/commands"
    measure "bare$round" "$BARE_PID" "http://127.0.0.1:$BARE_PORT/slack/commands"
done
stop "$SERVER_PID"
stop "$BARE_PID"

# median NAME FIELD: the median over the rounds of FIELD (RATE, P50, P99) of NAME.
median() {
    local round values=""
    for round in $(seq 1 "$ROUNDS"); do
        values="$values $(eval echo "\$${2}_${1}${round}")"
    done
    echo $values | tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for name in sluice bare; do
    for field in RATE P50 P99; do
        printf -v "${field}_$name" '%s' "$(median "$name" "$field")"
    done
    total=0
    for round in $(seq 1 "$ROUNDS"); do total=$((total + $(eval echo "\$NON2XX_${name}${round}"))); done
    printf -v "NON2XX_$name" '%s' "$total"
    printf -v "RSS_BEFORE_$name" '%s' "$(eval echo "\$RSS_BEFORE_${name}1")"
    printf -v "RSS_AFTER_$name" '%s' "$(eval echo "\$RSS_AFTER_${name}${ROUNDS}")"
done
ROUND_RATIOS=""
for round in $(seq 1 "$ROUNDS"); do
    ROUND_RATIOS="$ROUND_RATIOS $(awk -v a="$(eval echo "\$RATE_sluice$round")" -v b="$(eval echo "\$RATE_bare$round")" 'BEGIN { printf "%.2f", a / b }')"
done

# 3. Bolt for Python in its fastest configuration: AsyncApp with process_before_response, gunicorn
# with 2 uvicorn workers (installed from PyPI into bench/ack/.venv).
need python3:python3 pip3:python3-pip
VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/gunicorn" ]; then
    echo "installing Bolt for Python, gunicorn and uvicorn into $VENV…"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet slack_bolt aiohttp starlette gunicorn "uvicorn[standard]"
fi
(cd "$HERE" && SLACK_SIGNING_SECRET="$SECRET" exec "$VENV/bin/gunicorn" -w 2 -k uvicorn.workers.UvicornWorker \
    -b "127.0.0.1:$PORT" --log-level warning bolt_app:api) >"$WORK/bolt.log" 2>&1 &
SERVER_PID=$!
wait_for "$BASE/slack/commands" "$SERVER_PID" "the Bolt app"
measure bolt "$SERVER_PID" "$BASE/slack/commands"
stop "$SERVER_PID"
SERVER_PID=""

verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
OF_BARE="$(awk -v a="$RATE_sluice" -v b="$RATE_bare" 'BEGIN { printf "%.2f", a / b }')"
OF_BOLT="$(awk -v a="$RATE_sluice" -v b="$RATE_bolt" 'BEGIN { printf "%.2f", a / b }')"
P99_OF_BOLT="$(awk -v a="$P99_sluice" -v b="$P99_bolt" 'BEGIN { printf "%.2f", a / b }')"
RSS_GROWTH="$(awk -v a="$RSS_AFTER_sluice" -v b="$RSS_BEFORE_sluice" 'BEGIN { printf "%.1f", a - b }')"
RATE_VERDICT="$(verdict "$OF_BARE >= $TARGET_OF_BARE")"
P99_VERDICT="$(verdict "$P99_OF_BOLT <= 0.5 && $P99_sluice < $TARGET_P99_MS")"
NON2XX_VERDICT="$(verdict "$NON2XX_sluice == 0")"
RSS_VERDICT="$(verdict "$RSS_GROWTH < $TARGET_RSS_GROWTH_MB")"

echo
echo "== bench/ack: signed /sluice help, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores, Sluice and bare: medians of $ROUNDS rounds =="
printf '  %-22s %12s %12s %12s\n' "" "Sluice" "bare route" "Bolt"
printf '  %-22s %12.0f %12.0f %12.0f\n' "requests/s" "$RATE_sluice" "$RATE_bare" "$RATE_bolt"
printf '  %-22s %12.2f %12.2f %12.2f\n' "p50 ms" "$P50_sluice" "$P50_bare" "$P50_bolt"
printf '  %-22s %12.2f %12.2f %12.2f\n' "p99 ms" "$P99_sluice" "$P99_bare" "$P99_bolt"
printf '  %-22s %12s %12s %12s\n' "non-2xx or not acked" "$NON2XX_sluice" "$NON2XX_bare" "$NON2XX_bolt"
printf '  %-22s %12s %12s %12s\n' "RSS before → after MB" "$RSS_BEFORE_sluice→$RSS_AFTER_sluice" "$RSS_BEFORE_bare→$RSS_AFTER_bare" "$RSS_BEFORE_bolt→$RSS_AFTER_bolt"
echo
printf '  %-40s %6s   %-22s %s\n' "Sluice / bare route requests/s" "$OF_BARE" "target ≥ $TARGET_OF_BARE" "$RATE_VERDICT"
printf '  %-40s %s\n' "  (medians; round by round:" "${ROUND_RATIOS# })"
printf '  %-40s %6s\n' "Sluice / Bolt requests/s" "$OF_BOLT"
printf '  %-40s %6s   %-22s %s\n' "Sluice p99 / Bolt p99" "$P99_OF_BOLT" "target ≤ 0.5, < $TARGET_P99_MS ms" "$P99_VERDICT"
printf '  %-40s %6s   %-22s %s\n' "Sluice non-2xx" "$NON2XX_sluice" "target 0" "$NON2XX_VERDICT"
printf '  %-40s %6s   %-22s %s\n' "Sluice RSS growth MB" "$RSS_GROWTH" "target < $TARGET_RSS_GROWTH_MB" "$RSS_VERDICT"
echo "BENCH_RATIOS sluice_rps=$RATE_sluice bare_rps=$RATE_bare bolt_rps=$RATE_bolt of_bare=$OF_BARE of_bolt=$OF_BOLT p99_of_bolt=$P99_OF_BOLT"

if [ "$RATE_VERDICT$P99_VERDICT$NON2XX_VERDICT$RSS_VERDICT" != "PASSPASSPASSPASS" ]; then
    echo "result: FAIL" >&2
    exit 1
fi
echo "result: PASS"
