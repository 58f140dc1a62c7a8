#!/usr/bin/env bash
# Load benchmark: Sluice loading 1,000,000 demo orders from CSV into its SQLite warehouse, against
# sqlite3's own `.import` of the same file into a table with the same columns.
# Targets: Sluice's time at most 2.0× sqlite3's, Sluice's peak memory under 150 MB.
#
# Usage: bench/load/run.sh [ROWS]        (from anywhere; ROWS defaults to 1000000)
#        SLUICE_BIN=path/to/sluice bench/load/run.sh   (skip the release build, use that binary)
# Needs /usr/bin/time and sqlite3; installs them with apt-get when missing and running as root.
set -euo pipefail

ROWS="${1:-1000000}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-load.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

. "$REPO/bench/lib.sh"
need time:time sqlite3:sqlite3
sluice_binary

echo "generating $ROWS orders…"
"$SLUICE" demo-data --rows "$ROWS" --out "$WORK/data" >/dev/null
CSV="$WORK/data/orders.csv"
echo "  $(du -h "$CSV" | cut -f1) in $CSV"

COLUMNS="order_id integer, customer_id integer, status text, state text, order_date text, purchased_at text, approved_at text, delivered_at text, updated_at text, total real"

cat > "$WORK/sluice.yml" <<YAML
timezone: UTC
warehouse: { kind: sqlite, path: warehouse }
slack: { default_channel: "#bench" }
pipelines:
  bench:
    sources:
      orders: { kind: csv, path: data/orders.csv }
    loads:
      - source: orders
        table: raw.orders
        write: append
        columns:
          order_id: integer
          customer_id: integer
          status: string
          state: string
          order_date: date
          purchased_at: timestamp
          approved_at: timestamp
          delivered_at: timestamp
          updated_at: timestamp
          total: float
YAML

echo "timing sluice run bench…"
(cd "$WORK" && SLUICE_MANIFEST="$WORK/sluice.yml" SLUICE_STATE="$WORK/state.sqlite" \
    /usr/bin/time -f '%e %M' -o "$WORK/sluice.time" "$SLUICE" run bench >"$WORK/sluice.out" 2>&1) || {
    echo "sluice run failed:" >&2
    cat "$WORK/sluice.out" >&2
    exit 1
}
read -r SLUICE_SECONDS SLUICE_KIB < "$WORK/sluice.time"
LOADED="$(sqlite3 "$WORK/warehouse/raw.sqlite" 'select count(*) from orders' 2>/dev/null || echo '?')"

echo "timing sqlite3 .import…"
sqlite3 "$WORK/ref.db" "create table orders ($COLUMNS);"
/usr/bin/time -f '%e %M' -o "$WORK/sqlite.time" \
    sqlite3 "$WORK/ref.db" -cmd '.mode csv' ".import --skip 1 $CSV orders" >/dev/null
read -r SQLITE_SECONDS SQLITE_KIB < "$WORK/sqlite.time"
IMPORTED="$(sqlite3 "$WORK/ref.db" 'select count(*) from orders')"

RATIO="$(awk -v a="$SLUICE_SECONDS" -v b="$SQLITE_SECONDS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
SLUICE_MB="$(awk -v k="$SLUICE_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"
SQLITE_MB="$(awk -v k="$SQLITE_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"

echo
printf '%-10s %10s %12s %12s\n' "" "seconds" "peak RSS MB" "rows"
printf '%-10s %10s %12s %12s\n' "sluice" "$SLUICE_SECONDS" "$SLUICE_MB" "$LOADED"
printf '%-10s %10s %12s %12s\n' "sqlite3" "$SQLITE_SECONDS" "$SQLITE_MB" "$IMPORTED"
echo
echo "ratio sluice/sqlite3: $RATIO (target ≤ 2.0)"
echo "sluice peak RSS:      $SLUICE_MB MB (target < 150 MB)"

STATUS=0
awk -v r="$RATIO" 'BEGIN { exit !(r <= 2.0) }' || { echo "FAIL: sluice is more than 2× slower than sqlite3" >&2; STATUS=1; }
awk -v m="$SLUICE_MB" 'BEGIN { exit !(m < 150) }' || { echo "FAIL: sluice used 150 MB or more" >&2; STATUS=1; }
[ "$LOADED" = "$ROWS" ] || { echo "FAIL: sluice loaded $LOADED rows, expected $ROWS" >&2; STATUS=1; }
exit $STATUS
