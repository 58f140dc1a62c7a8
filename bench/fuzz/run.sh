#!/usr/bin/env bash
# Fuzz target: mutated, mostly re-signed requests on every route of `sluice serve` (console mode,
# loopback only) and mutated manifests through `sluice validate`, for a fixed number of iterations
# from a fixed seed. Fails (exit code 1) on any crash, any 5xx, and any request or validation that
# takes more than 2 s; prints the counts.
#
# Usage: bench/fuzz/run.sh                                   (3,000 requests, 300 manifests)
#        SLUICE_BIN=.build/debug/sluice bench/fuzz/run.sh    (skip the release build, use that binary)
#        SEED=7 REQUESTS=20000 MANIFESTS=2000 bench/fuzz/run.sh
# Needs python3 (standard library only).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$REPO/bench/lib.sh"
need python3:python3
sluice_binary
exec python3 "$REPO/bench/fuzz/fuzz.py" "$SLUICE" "$REPO"
