#!/usr/bin/env bash
# Incremental benchmark: 1,000,000 sales in 30 daily files (`sales_{date}.csv`, merge on id,
# partitioned by sale_date, incremental by updated_at), loaded once; then one more day whose file also
# carries 1% amendments of orders spread over the old days. Times the incremental run against a full
# refresh of the same data (`sluice run --full-refresh`), in one script, and checks both tables against
# the oracle (the newest version of every id).
# Targets: the incremental run reads only the new file and takes at most 10% of the full refresh;
# peak RSS < 150 MB.
#
# Usage: bench/incremental/run.sh [ROWS]   (ROWS defaults to 1000000)
#        SLUICE_BIN=path/to/sluice bench/incremental/run.sh   (skip the release build)
# Needs /usr/bin/time, sqlite3 and python3; installs them with apt-get when missing and running as root.
set -euo pipefail

ROWS="${1:-1000000}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-incremental.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

. "$REPO/bench/lib.sh"
need time:time sqlite3:sqlite3 python3:python3
sluice_binary

cat > "$WORK/sluice.yml" <<YAML
timezone: UTC
warehouse: { kind: sqlite, path: warehouse }
slack: { default_channel: "#bench" }
pipelines:
  sales:
    sources:
      exports: { kind: csv, path: "exports/sales_{date}.csv", cursor: updated_at }
    loads:
      - source: exports
        table: raw.sales
        write: merge
        key: id
        partition_by: sale_date
        columns: { id: integer, sale_date: date, amount: integer, updated_at: timestamp, customer: string, status: string }
YAML

sluice() {  # sluice LABEL ARGS…: runs sluice in the work folder, timing it into $WORK/LABEL.time
    local label="$1"
    shift
    (cd "$WORK" && SLUICE_MANIFEST="$WORK/sluice.yml" SLUICE_STATE="$WORK/state.sqlite" \
        /usr/bin/time -f '%e %M' -o "$WORK/$label.time" "$SLUICE" "$@" >"$WORK/$label.out" 2>&1) || {
        echo "sluice $* failed:" >&2
        cat "$WORK/$label.out" >&2
        exit 1
    }
}
table() {  # rows and amount sum of raw.sales
    sqlite3 -separator ' ' "$WORK/warehouse/raw.sqlite" 'select count(*), sum(amount) from sales'
}
read_line() {  # the load step's report from a run's output
    grep -m1 -o '[0-9.KM]* rows\? read, .*' "$WORK/$1.out" || echo "(no load line)"
}

echo "generating $ROWS sales in 30 daily files…"
python3 "$REPO/bench/incremental/gen.py" "$WORK/exports" 0 30 "$ROWS" 0 "$WORK/oracle.json" >/dev/null
echo "  $(du -sh "$WORK/exports" | cut -f1) in $WORK/exports"
echo "first load (every file)…"
sluice first run sales

echo "one more day, with 1% amendments of older days' orders…"
ORACLE="$(python3 "$REPO/bench/incremental/gen.py" "$WORK/exports" 30 1 $((ROWS / 30)) 0.01 "$WORK/oracle.json")"

echo "timing the incremental run…"
sluice incremental run sales
read -r INC_SECONDS INC_KIB < "$WORK/incremental.time"
INC_TABLE="$(table)"
INC_READ="$(read_line incremental)"

echo "timing the full refresh…"
sluice full run sales --full-refresh
read -r FULL_SECONDS FULL_KIB < "$WORK/full.time"
FULL_TABLE="$(table)"
FULL_READ="$(read_line full)"
read -r _ FIRST_KIB < "$WORK/first.time"

RATIO="$(awk -v a="$INC_SECONDS" -v b="$FULL_SECONDS" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
PEAK_KIB="$(printf '%s\n' "$INC_KIB" "$FULL_KIB" "$FIRST_KIB" | sort -n | tail -1)"
PEAK_MB="$(awk -v k="$PEAK_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"

echo
printf '%-13s %8s %12s  %s\n' "" "seconds" "peak RSS MB" "load report"
printf '%-13s %8s %12s  %s\n' "incremental" "$INC_SECONDS" "$(awk -v k="$INC_KIB" 'BEGIN { printf "%.1f", k / 1024 }')" "$INC_READ"
printf '%-13s %8s %12s  %s\n' "full refresh" "$FULL_SECONDS" "$(awk -v k="$FULL_KIB" 'BEGIN { printf "%.1f", k / 1024 }')" "$FULL_READ"
echo
echo "oracle (rows, amount sum): $ORACLE"
echo "after incremental:         $INC_TABLE"
echo "after full refresh:        $FULL_TABLE"
echo "ratio incremental/full refresh: $RATIO (target ≤ 0.10)"
echo "peak RSS:                       $PEAK_MB MB (target < 150 MB)"

STATUS=0
[ "$INC_TABLE" = "$ORACLE" ] || { echo "FAIL: the incremental run's table differs from the oracle" >&2; STATUS=1; }
[ "$FULL_TABLE" = "$ORACLE" ] || { echo "FAIL: the full refresh's table differs from the oracle" >&2; STATUS=1; }
case "$INC_READ" in *"1 file read, 30 unchanged since read"*) ;; *) echo "FAIL: the incremental run read more than the new file" >&2; STATUS=1 ;; esac
awk -v r="$RATIO" 'BEGIN { exit !(r <= 0.10) }' || { echo "FAIL: the incremental run took more than 10% of the full refresh" >&2; STATUS=1; }
awk -v m="$PEAK_MB" 'BEGIN { exit !(m < 150) }' || { echo "FAIL: peak RSS 150 MB or more" >&2; STATUS=1; }
exit $STATUS
