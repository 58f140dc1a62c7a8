#!/usr/bin/env bash
# BigQuery load benchmark: `sluice run` loading 1,000,000 demo orders from CSV into BigQuery — the
# rows typed, encoded as NDJSON and streamed through the resumable upload path in 8 MiB chunks —
# against a local stand-in for BigQuery's upload API (sink.py, which counts the bytes and drops them).
# Beside it, the reference: python3's csv + json modules doing the same CSV → typed NDJSON conversion.
# Targets: Sluice's peak RSS under 150 MB, and its NDJSON MB/s at least the Python line's.
#
# Usage: bench/bigquery-load/run.sh [ROWS]        (from anywhere; ROWS defaults to 1000000)
#        SLUICE_BIN=path/to/sluice bench/bigquery-load/run.sh   (skip the release build, use that binary)
# Needs python3 and /usr/bin/time; installs time with apt-get when missing and running as root.
set -euo pipefail

ROWS="${1:-1000000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-bigquery.XXXXXX")"
SINK_PID=""
cleanup() {
    if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

. "$REPO/bench/lib.sh"
need python3:python3 time:time
sluice_binary

echo "generating $ROWS orders…"
"$SLUICE" demo-data --rows "$ROWS" --out "$WORK/data" >/dev/null
CSV="$WORK/data/orders.csv"
echo "  $(du -h "$CSV" | cut -f1) in $CSV"

cat > "$WORK/sluice.yml" <<YAML
timezone: UTC
warehouse: { kind: bigquery, project: bench-project, location: US }
cost: { maximum_bytes_billed: 1GB }
slack: { default_channel: "#bench" }
pipelines:
  bench:
    sources:
      orders: { kind: csv, path: data/orders.csv }
    loads:
      - source: orders
        table: raw.orders
        write: truncate
        partition_by: order_date
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

echo "starting the BigQuery stand-in…"
python3 "$HERE/sink.py" "$WORK/port" "$WORK/sink.json" &
SINK_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || { echo "the BigQuery stand-in did not start" >&2; exit 1; }
ENDPOINT="http://127.0.0.1:$(cat "$WORK/port")"

echo "timing sluice run bench (BIGQUERY_API_ENDPOINT=$ENDPOINT)…"
(cd "$WORK" && env -u GOOGLE_APPLICATION_CREDENTIALS -u GOOGLE_OAUTH_ACCESS_TOKEN -u SLACK_BOT_TOKEN \
    BIGQUERY_API_ENDPOINT="$ENDPOINT" SLUICE_MANIFEST="$WORK/sluice.yml" SLUICE_STATE="$WORK/state.sqlite" \
    /usr/bin/time -f '%e %M' -o "$WORK/sluice.time" "$SLUICE" run bench >"$WORK/sluice.out" 2>&1) || {
    echo "sluice run failed:" >&2
    cat "$WORK/sluice.out" >&2
    exit 1
}
[ -s "$WORK/sink.json" ] || { echo "the load never completed an upload:" >&2; cat "$WORK/sluice.out" >&2; exit 1; }
read -r SLUICE_SECONDS SLUICE_KIB < "$WORK/sluice.time"

echo "timing the python3 csv → json reference…"
/usr/bin/time -f '%e %M' -o "$WORK/python.time" python3 -c '
import csv, json, sys
ints = {"order_id", "customer_id"}
floats = {"total"}
out = sys.stdout
with open(sys.argv[1], newline="") as source:
    for row in csv.DictReader(source):
        record = {}
        for key, value in row.items():
            if value == "":
                continue
            record[key] = int(value) if key in ints else float(value) if key in floats else value
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
' "$CSV" > "$WORK/python.ndjson"
read -r PYTHON_SECONDS PYTHON_KIB < "$WORK/python.time"
PYTHON_BYTES="$(wc -c < "$WORK/python.ndjson")"

python3 - "$WORK/sink.json" "$SLUICE_SECONDS" "$SLUICE_KIB" "$PYTHON_BYTES" "$PYTHON_SECONDS" "$PYTHON_KIB" "$ROWS" <<'PY'
import json, sys
sink = json.load(open(sys.argv[1]))
sluice_seconds, sluice_kib = float(sys.argv[2]), int(sys.argv[3])
python_bytes, python_seconds, python_kib, rows = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
mb = 1_000_000
sluice_rate = sink["bytes"] / mb / max(sluice_seconds, 1e-9)
upload_rate = sink["bytes"] / mb / max(sink["seconds"], 1e-9)
python_rate = python_bytes / mb / max(python_seconds, 1e-9)
print()
print(f"sluice  : {sink['rows']:>9,} rows, {sink['bytes'] / mb:7.1f} MB NDJSON uploaded in {sluice_seconds:6.2f} s "
      f"(whole run) = {sluice_rate:6.1f} MB/s  [upload window {sink['seconds']:.2f} s = {upload_rate:.1f} MB/s], "
      f"peak RSS {sluice_kib / 1024:6.1f} MB")
print(f"python3 : {rows:>9,} rows, {python_bytes / mb:7.1f} MB NDJSON written  in {python_seconds:6.2f} s "
      f"             = {python_rate:6.1f} MB/s, peak RSS {python_kib / 1024:6.1f} MB")
ok = sink["rows"] == rows and sluice_kib / 1024 < 150 and sluice_rate >= python_rate
print(f"targets : rows {'ok' if sink['rows'] == rows else 'MISSING'}, peak RSS < 150 MB "
      f"{'ok' if sluice_kib / 1024 < 150 else 'MISSED'}, MB/s ≥ python3 {'ok' if sluice_rate >= python_rate else 'MISSED'}"
      f" ({sink['checked_lines']} sampled lines parsed as JSON)")
sys.exit(0 if ok else 1)
PY
