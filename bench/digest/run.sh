#!/usr/bin/env bash
# Digest benchmark: `sluice digest` for a manifest of 1,000 tables (10 pipelines, each loading 50
# `raw` tables and building 50 `mart` models from them, with a freshness and a volume check per load)
# over 90 days of history. The warehouse is built by real `sluice run`s; the history is then planted
# in the state store with sqlite3: RUNS_PER_DAY runs of every pipeline a day for 90 days (each with
# the 200 steps of the real run, models billing bytes), daily row counts of every load, 500 resolved
# and 60 open alerts, 25 mutes. Prints the wall time and peak RSS of the whole `sluice digest` process
# (manifest parsing, opening the stores, reading every table's freshness, building and rendering),
# and the in-process time of building the digest: the median of REPEATS runs. Targets: under 200 ms
# and 100 MB. No reference peer builds a Slack digest from such a state, so there is no ratio: the
# figures are compared with the targets (and, in the README, with the previous release's run).
#
# Usage: bench/digest/run.sh                      (from anywhere; exit code 1 when a target is missed)
#        RUNS_PER_DAY=24 bench/digest/run.sh      (hourly pipelines: more history to read; default 4)
#        SLUICE_BIN=path/to/sluice bench/digest/run.sh   (skip the release build, use that binary)
#        KEEP=1 bench/digest/run.sh               (keep the generated workspace for a closer look)
#        REPEATS=9 bench/digest/run.sh            (time more runs; the median is reported; default 5)
# Needs /usr/bin/time and sqlite3; installs them with apt-get when missing and running as root.
set -euo pipefail

PIPELINES=10
LOADS=50
DAYS=90
RUNS_PER_DAY="${RUNS_PER_DAY:-4}"
REPEATS="${REPEATS:-5}"
TARGET_MS=200
TARGET_MB=100
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-digest.XXXXXX")"
if [ -n "${KEEP:-}" ]; then echo "keeping the workspace in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

. "$REPO/bench/lib.sh"
need time:time sqlite3:sqlite3
sluice_binary

echo "writing a manifest of $((PIPELINES * LOADS * 2)) tables…"
mkdir -p "$WORK/data" "$WORK/models"
{
    echo "id,updated_at"
    for i in $(seq 1 100); do echo "$i,$(date -u -d "-$((i % 50)) minutes" '+%Y-%m-%d %H:%M:%S')"; done
} > "$WORK/data/rows.csv"
{
    echo "timezone: Europe/London"
    echo "warehouse: { kind: sqlite, path: warehouse }"
    echo "cost: { price_per_tib: 6.25, daily_budget: 25.00 }"
    echo 'slack: { default_channel: "#bench", digest: { at: "09:00", channel: "#bench-digest" } }'
    echo "pipelines:"
    for p in $(seq 0 $((PIPELINES - 1))); do
        echo "  p$p:"
        echo "    schedule: \"0 */$((24 / RUNS_PER_DAY)) * * *\""
        echo "    sources:"
        for t in $(seq -w 0 $((LOADS - 1))); do echo "      s$t: { kind: csv, path: data/rows.csv }"; done
        echo "    loads:"
        for t in $(seq -w 0 $((LOADS - 1))); do
            echo "      - { source: s$t, table: raw.p${p}_t$t, write: truncate, columns: { id: integer, updated_at: timestamp } }"
        done
        echo "    models:"
        for t in $(seq -w 0 $((LOADS - 1))); do
            echo "select id, updated_at from raw.p${p}_t$t" > "$WORK/models/p${p}_m$t.sql"
            echo "      - { name: mart.p${p}_m$t, sql: models/p${p}_m$t.sql, materialized: table }"
        done
        echo "    checks:"
        for t in $(seq -w 0 $((LOADS - 1))); do
            echo "      - { freshness: raw.p${p}_t$t, loaded_at: updated_at, warn_after: 3h, error_after: 6h }"
            echo "      - { volume: raw.p${p}_t$t, severity: warn }"
        done
    done
} > "$WORK/sluice.yml"

export SLUICE_MANIFEST="$WORK/sluice.yml" SLUICE_STATE="$WORK/state.sqlite"
cd "$WORK"
echo "building the warehouse with one real run of each pipeline…"
for p in $(seq 0 $((PIPELINES - 1))); do
    "$SLUICE" run "p$p" >"$WORK/run.out" 2>&1 || { echo "sluice run p$p failed:" >&2; tail -20 "$WORK/run.out" >&2; exit 1; }
done

echo "planting $DAYS days of history ($RUNS_PER_DAY runs a day per pipeline)…"
NOW="$(date -u +%s)"
sqlite3 "$WORK/state.sqlite" <<SQL
PRAGMA foreign_keys = OFF;
BEGIN;
-- The real runs become the newest ids; history takes the ids below them, oldest first.
UPDATE steps SET run_id = run_id + 100000000;
UPDATE runs SET id = id + 100000000;
CREATE TEMP TABLE template AS
    SELECT r.pipeline, s.step_id, s.position, s.kind, s.depends_on FROM runs r JOIN steps s ON s.run_id = r.id;
WITH RECURSIVE slot(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM slot WHERE n < $DAYS * $RUNS_PER_DAY)
INSERT INTO runs (id, pipeline, state, run_trigger, requested_by, created_at, started_at, finished_at, error)
SELECT ($DAYS * $RUNS_PER_DAY - slot.n) * $PIPELINES + p.k + 1, 'p' || p.k,
       CASE WHEN (slot.n + p.k) % 37 = 0 THEN 'failed' ELSE 'succeeded' END, 'schedule', 'scheduler',
       $NOW - slot.n * (86400.0 / $RUNS_PER_DAY), $NOW - slot.n * (86400.0 / $RUNS_PER_DAY),
       $NOW - slot.n * (86400.0 / $RUNS_PER_DAY) + 60 + (slot.n * 7 + p.k * 13) % 900,
       CASE WHEN (slot.n + p.k) % 37 = 0 THEN 'model:mart.p' || p.k || '_m07 failed: planted failure' END
FROM slot, (WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < $PIPELINES - 1) SELECT k FROM k) p;
INSERT INTO steps (run_id, step_id, position, kind, depends_on, state, started_at, finished_at, row_count, bytes_processed, bytes_billed)
SELECT r.id, t.step_id, t.position, t.kind, t.depends_on, 'succeeded', r.started_at, r.finished_at,
       CASE WHEN t.kind = 'load' THEN 100 END,
       CASE WHEN t.kind = 'model' THEN 1073741824 + (r.id % 97) * 10485760 ELSE 0 END,
       CASE WHEN t.kind = 'model' THEN 1073741824 + (r.id % 97) * 10485760 ELSE 0 END
FROM runs r JOIN template t ON t.pipeline = r.pipeline WHERE r.id < 100000000;
-- Daily row counts of every load: about 100 a day; five tables used to get about 1,000.
WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < $DAYS)
INSERT OR REPLACE INTO daily_counts (table_name, day, row_count)
SELECT c.table_name, date($NOW - d.n * 86400, 'unixepoch'),
       CASE WHEN c.table_name IN ('raw.p0_t00', 'raw.p1_t01', 'raw.p2_t02', 'raw.p3_t03', 'raw.p4_t04') THEN 1000 ELSE 95 + (d.n * 7) % 11 END
FROM d, (SELECT DISTINCT table_name FROM daily_counts) c;
-- 500 resolved alerts, 40 open, 20 acknowledged; 25 active mutes.
WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a WHERE n < 560)
INSERT INTO alerts (fingerprint, pipeline, check_name, table_name, severity, status, title, detail, sample, run_id,
                    occurrences, opened_at, last_seen_at, resolved_at, acknowledged_by, acknowledged_at)
SELECT 'p' || (a.n % $PIPELINES) || '/check' || a.n || '/raw.p' || (a.n % $PIPELINES) || '_t' || printf('%02d', a.n % $LOADS),
       'p' || (a.n % $PIPELINES), 'check' || a.n, 'raw.p' || (a.n % $PIPELINES) || '_t' || printf('%02d', a.n % $LOADS),
       CASE WHEN a.n % 3 = 0 THEN 'error' ELSE 'warning' END,
       CASE WHEN a.n <= 500 THEN 'resolved' WHEN a.n <= 540 THEN 'open' ELSE 'acknowledged' END,
       'planted alert ' || a.n, '', '[]', 1, 1 + a.n % 4, $NOW - a.n * 3600, $NOW - a.n * 60,
       CASE WHEN a.n <= 500 THEN $NOW - a.n * 1800 END,
       CASE WHEN a.n > 540 THEN 'U0ACKER' END, CASE WHEN a.n > 540 THEN $NOW - 600 END
FROM a;
WITH RECURSIVE m(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM m WHERE n < 25)
INSERT INTO mutes (target, created_by, reason, created_at, ends_at)
SELECT 'raw.p' || (m.n % $PIPELINES) || '_t' || printf('%02d', m.n), 'U0MUTER', 'planted', $NOW - 3600, $NOW + m.n * 3600 FROM m;
COMMIT;
SQL
RUNS="$(sqlite3 "$WORK/state.sqlite" 'select count(*) from runs')"
STEPS="$(sqlite3 "$WORK/state.sqlite" 'select count(*) from steps')"
COUNTS="$(sqlite3 "$WORK/state.sqlite" 'select count(*) from daily_counts')"
echo "  $RUNS runs, $STEPS steps, $COUNTS daily counts, $(du -h "$WORK/state.sqlite" | cut -f1) state file"

echo "timing sluice digest ($REPEATS times; the median counts)…"
"$SLUICE" digest >/dev/null 2>&1
: > "$WORK/timings"
for i in $(seq 1 "$REPEATS"); do
    LOG_LEVEL=debug /usr/bin/time -f '%e %U %S %M' -o "$WORK/digest.time" "$SLUICE" digest >"$WORK/digest.out" 2>"$WORK/digest.err" || {
        echo "sluice digest failed:" >&2
        cat "$WORK/digest.err" >&2
        exit 1
    }
    read -r WALL USER_SECONDS SYSTEM_SECONDS KIB < "$WORK/digest.time"
    BUILD="$(sed -n 's/.*elapsed_ms=\([0-9.]*\).*digest built.*/\1/p' "$WORK/digest.err" | head -1)"
    awk -v w="$WALL" -v u="$USER_SECONDS" -v s="$SYSTEM_SECONDS" -v k="$KIB" -v b="${BUILD:-0}" \
        'BEGIN { printf "%d %d %.1f %.1f\n", w * 1000, (u + s) * 1000, k / 1024, b }' >> "$WORK/timings"
done
# Median of each column: wall ms, CPU ms, peak RSS MB, in-process build ms.
median() { cut -d' ' -f"$1" "$WORK/timings" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
MS="$(median 1)"
CPU_MS="$(median 2)"
MB="$(median 3)"
BUILD_MS="$(median 4)"
PEAK_MB="$(cut -d' ' -f3 "$WORK/timings" | sort -n | tail -1)"
LISTED="$(grep -c 'no freshness check)\|column updated_at)' "$WORK/digest.out" || true)"

echo
grep -m1 'Runs (last 24 h)' "$WORK/digest.out" | sed 's/^ */  /'
grep -m1 'Freshness (' "$WORK/digest.out" | sed 's/^ */  /'
grep -m1 'Volume anomalies' "$WORK/digest.out" | sed 's/^ */  /'
grep -m1 'Open alerts' "$WORK/digest.out" | sed 's/^ */  /'
grep -m1 'Cost yesterday' "$WORK/digest.out" | sed 's/^ */  /'
echo
echo "building the digest: ${BUILD_MS} ms (reading the state store and every table's freshness, building, rendering) — target < ${TARGET_MS} ms"
echo "peak RSS: ${MB} MB (largest of the runs ${PEAK_MB} MB) — target < ${TARGET_MB} MB"
echo "  the whole sluice digest process, with start-up and parsing the 1,000-table manifest: ${MS} ms wall, ${CPU_MS} ms CPU (load $(cut -d' ' -f1 /proc/loadavg))"
echo "  table lines in the thread: $LISTED"

STATUS=0
awk -v b="$BUILD_MS" -v t="$TARGET_MS" 'BEGIN { exit !(b < t) }' || { echo "FAIL: building the digest took ${BUILD_MS} ms" >&2; STATUS=1; }
awk -v m="$PEAK_MB" -v t="$TARGET_MB" 'BEGIN { exit !(m < t) }' || { echo "FAIL: sluice digest used ${PEAK_MB} MB" >&2; STATUS=1; }
grep -q 'Freshness of every table (1K)' "$WORK/digest.out" || { echo "FAIL: the digest does not list 1,000 tables" >&2; STATUS=1; }
exit $STATUS
