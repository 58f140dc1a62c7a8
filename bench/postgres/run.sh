#!/usr/bin/env bash
# PostgreSQL source benchmark: ORDERS (default 1,000,000) orders in a throwaway PostgreSQL server,
# loaded into the SQLite warehouse by `sluice run` (a `kind: postgres` table source, `write:
# truncate`, like the reference's plain import), against the reference `psql -c "\copy (select …) to stdout csv" | sqlite3 db ".import
# --csv /dev/stdin orders"` on the same data, in the same script. Prints both times, the ratio
# Sluice/reference and Sluice's peak RSS, and checks both tables hold every order. Also times (for
# information, not against the target) the same load with `write: merge` on order_id.
# Targets: ratio ≤ 1.5, peak RSS < 150 MB.
#
# Sluice and the reference take turns ROUNDS times (default 3) and their medians are compared.
#
# Usage: bench/postgres/run.sh [ORDERS]
#        ROUNDS=5 bench/postgres/run.sh
#        SLUICE_BIN=path/to/sluice bench/postgres/run.sh   (skip the release build)
# Needs Debian's postgresql, sqlite3 and /usr/bin/time; installs them with apt-get when missing and
# running as root. As root, the server runs as the `postgres` user (initdb refuses root).
set -euo pipefail

ORDERS="${1:-1000000}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-postgres.XXXXXX")"
chmod 755 "$WORK"
PGBIN=""
cleanup() {
    if [ -n "$PGBIN" ] && [ -f "$WORK/pg/data/postmaster.pid" ]; then
        as_postgres "$PGBIN/pg_ctl" stop -D "$WORK/pg/data" -m immediate -w >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

. "$REPO/bench/lib.sh"
need time:time sqlite3:sqlite3 psql:postgresql-client
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    need initdb:postgresql
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi
sluice_binary

as_postgres() {  # runs a server command as the postgres user when root
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PASSWORD="bench-$$-secret"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)"
mkdir -p "$WORK/pg"
echo "$PASSWORD" > "$WORK/pg/pwfile"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$WORK/pg"
echo "starting PostgreSQL ($PGBIN) on 127.0.0.1:$PORT…"
as_postgres "$PGBIN/initdb" -D "$WORK/pg/data" -U bench --auth=scram-sha-256 --pwfile="$WORK/pg/pwfile" -E UTF8 --no-locale --no-sync >"$WORK/initdb.log" 2>&1
as_postgres "$PGBIN/pg_ctl" start -D "$WORK/pg/data" -w -l "$WORK/pg/server.log" \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $WORK/pg -c fsync=off -c synchronous_commit=off -c shared_buffers=128MB" >/dev/null

export PGPASSWORD="$PASSWORD"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U bench -d postgres)
echo "generating $ORDERS orders…"
"${PSQL[@]}" <<SQL
create table orders (order_id bigint primary key, customer_id int not null, status text not null,
                     amount numeric(12,2) not null, order_date date not null, updated_at timestamptz not null);
insert into orders
select n, (1 + (n * 7919) % 50000)::int, (array['placed','paid','shipped','delivered','returned'])[1 + n % 5],
       round((5 + (n * 37) % 49500 / 100.0)::numeric, 2), date '2026-01-01' + (n % 90)::int,
       timestamptz '2026-01-01 00:00:00+00' + n * interval '2.5 seconds'
from generate_series(1::bigint, $ORDERS::bigint) n;
create index orders_updated_at on orders (updated_at);
vacuum analyze orders;
SQL

cat > "$WORK/sluice.yml" <<YAML
timezone: UTC
warehouse: { kind: sqlite, path: warehouse }
slack: { default_channel: "#bench" }
pipelines:
  shop:
    sources:
      orders: { kind: postgres, url: "\${SHOP_DB_URL}", table: public.orders, cursor: updated_at }
    loads:
      - source: orders
        table: raw.orders
        write: truncate
        columns: { order_id: integer, customer_id: integer, status: string, amount: float, order_date: date, updated_at: timestamp }
YAML

sed 's/write: truncate/write: merge\n        key: order_id/' "$WORK/sluice.yml" > "$WORK/merge.yml"
sluice() {  # sluice LABEL MANIFEST: a fresh `sluice run shop`, timed into $WORK/LABEL.time
    rm -rf "$WORK/warehouse" "$WORK/state.sqlite"*
    (cd "$WORK" && SHOP_DB_URL="postgres://bench:$PASSWORD@127.0.0.1:$PORT/postgres?sslmode=disable" \
        SLUICE_MANIFEST="$2" SLUICE_STATE="$WORK/state.sqlite" \
        /usr/bin/time -f '%e %M' -o "$WORK/$1.time" "$SLUICE" run shop >"$WORK/$1.out" 2>&1) || {
        echo "sluice run failed:" >&2
        cat "$WORK/$1.out" >&2
        exit 1
    }
}
echo "timing Sluice (write: merge, for information)…"
sluice merge "$WORK/merge.yml"
read -r MERGE_SECONDS MERGE_KIB < "$WORK/merge.time"
MERGE_ROWS="$(sqlite3 "$WORK/warehouse/raw.sqlite" 'select count(*) from orders')"
# Sluice and the reference take turns, ROUNDS times (default 3); each side's median time is compared,
# so one slow moment on a shared machine does not decide the ratio.
ROUNDS="${ROUNDS:-3}"
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
: > "$WORK/sluice.times"
: > "$WORK/reference.times"
SLUICE_KIB=0
for ROUND in $(seq 1 "$ROUNDS"); do
    echo "round $ROUND of $ROUNDS: Sluice (write: truncate), then the reference (psql \\copy | sqlite3 .import)…"
    sluice sluice "$WORK/sluice.yml"
    read -r SECONDS_TAKEN KIB < "$WORK/sluice.time"
    echo "$SECONDS_TAKEN" >> "$WORK/sluice.times"
    [ "$KIB" -gt "$SLUICE_KIB" ] && SLUICE_KIB="$KIB"
    SLUICE_ROWS="$(sqlite3 "$WORK/warehouse/raw.sqlite" 'select count(*) from orders')"

    rm -f "$WORK/reference.sqlite"
    sqlite3 "$WORK/reference.sqlite" "create table orders (order_id integer, customer_id integer, status text, amount real, order_date text, updated_at text)"
    START="$(date +%s.%N)"
    "${PSQL[@]}" -c "\\copy (select order_id, customer_id, status, amount, order_date, updated_at from orders order by updated_at) to stdout csv" \
        | sqlite3 "$WORK/reference.sqlite" ".import --csv /dev/stdin orders"
    END="$(date +%s.%N)"
    awk -v a="$START" -v b="$END" 'BEGIN { printf "%.2f\n", b - a }' >> "$WORK/reference.times"
    REFERENCE_ROWS="$(sqlite3 "$WORK/reference.sqlite" 'select count(*) from orders')"
done
SLUICE_SECONDS="$(median < "$WORK/sluice.times")"
REFERENCE_SECONDS="$(median < "$WORK/reference.times")"

RATIO="$(awk -v a="$SLUICE_SECONDS" -v b="$REFERENCE_SECONDS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
PEAK_MB="$(awk -v a="$SLUICE_KIB" -v b="$MERGE_KIB" 'BEGIN { printf "%.1f", (a > b ? a : b) / 1024 }')"

echo
printf '%-10s %8s %10s  %s\n' "" "seconds" "rows" "(median of $ROUNDS; every round)"
printf '%-10s %8s %10s  %s\n' "sluice" "$SLUICE_SECONDS" "$SLUICE_ROWS" "$(tr '\n' ' ' < "$WORK/sluice.times")"
printf '%-10s %8s %10s  %s\n' "reference" "$REFERENCE_SECONDS" "$REFERENCE_ROWS" "$(tr '\n' ' ' < "$WORK/reference.times")"
printf '%-10s %8s %10s  (write: merge on order_id, peak RSS %s MB; not against the target)\n' "merge" "$MERGE_SECONDS" "$MERGE_ROWS" "$(awk -v k="$MERGE_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"
echo "load report: $(grep -m1 -o '[0-9.KM]* rows\? read, .*' "$WORK/sluice.out" || echo '(no load line)')"
echo "ratio sluice/reference: $RATIO (target ≤ 1.5)"
echo "peak RSS:               $PEAK_MB MB (target < 150 MB)"

STATUS=0
[ "$SLUICE_ROWS" = "$ORDERS" ] || { echo "FAIL: Sluice loaded $SLUICE_ROWS rows, not $ORDERS" >&2; STATUS=1; }
[ "$REFERENCE_ROWS" = "$ORDERS" ] || { echo "FAIL: the reference loaded $REFERENCE_ROWS rows, not $ORDERS" >&2; STATUS=1; }
[ "$MERGE_ROWS" = "$ORDERS" ] || { echo "FAIL: Sluice (merge) loaded $MERGE_ROWS rows, not $ORDERS" >&2; STATUS=1; }
if grep -q "$PASSWORD" "$WORK/sluice.out" "$WORK/merge.out"; then echo "FAIL: the password appears in Sluice's output" >&2; STATUS=1; fi
awk -v r="$RATIO" 'BEGIN { exit !(r <= 1.5) }' || { echo "FAIL: Sluice took more than 1.5× the reference" >&2; STATUS=1; }
awk -v m="$PEAK_MB" 'BEGIN { exit !(m < 150) }' || { echo "FAIL: peak RSS 150 MB or more" >&2; STATUS=1; }
exit $STATUS
