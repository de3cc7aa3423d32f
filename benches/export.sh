#!/usr/bin/env bash
# Benchmark (issue 18 target 5): the student list export of 10,000 and then 100,000 students, CSV
# and XLSX, against the release binary. Prints the time to the first byte, the total time, the size
# and the growth of the server's peak RSS over its RSS before the export; exits 1 when CSV misses a
# target: first byte within 200 ms, and the 100,000-row export's peak RSS growth not above twice
# the 10,000-row one's plus 8 MB (memory that does not grow with the row count); exits 1 when XLSX
# misses the memory target or its headers come later than the first-byte target. An XLSX is a zip
# finished before it is sent (see README "Dashboard and reports"): its ttfb_ms is when the headers
# arrive, and the file's own first byte comes at about its total_ms (loopback sends it at once).
#
#   cargo build --release && benches/export.sh                  # SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432 benches/export.sh   # PostgreSQL
#
# The demo county is loaded, then its students are copied (new records, same households) up to the
# row counts. Environment: BENCH_BIN, BENCH_PORT (18490), BENCH_TTFB_MS (200).
set -euo pipefail

bin=${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/vocpath}
port=${BENCH_PORT:-18490}
ttfb_target=${BENCH_TTFB_MS:-200}
# shellcheck source=common/server.sh
. "$(dirname "$0")/common/server.sh"
start_server
kb() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$server/status"; }

echo "$backend, student list export ($(uptime | sed 's/.*load/load/'))"
printf '%-6s %8s %9s %9s %11s %15s\n' format rows ttfb_ms total_ms size_bytes peak_rss_growth_MB
declare -A growth
missed=0
for rows in 10000 100000; do
    grow_to "$rows"
    for format in csv xlsx; do
        # Warm the page cache and the server's pools once, then measure.
        curl -sf -o /dev/null -H "Cookie: vocpath_session=$cookie" "http://127.0.0.1:$port/students?page=1"
        before=$(kb VmRSS)
        # Peak RSS: reset the high-water mark when the kernel allows it, else read it as is.
        echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
        read -r ttfb total size < <(curl -sf -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}\n' \
            -H "Cookie: vocpath_session=$cookie" "http://127.0.0.1:$port/students/export?format=$format")
        peak=$(kb VmHWM)
        ttfb_ms=$(awk -v s="$ttfb" 'BEGIN { printf "%.0f", s * 1000 }')
        total_ms=$(awk -v s="$total" 'BEGIN { printf "%.0f", s * 1000 }')
        grow_mb=$(awk -v a="$peak" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1024 }')
        growth[$format$rows]=$grow_mb
        printf '%-6s %8s %9s %9s %11s %15s\n' "$format" "$rows" "$ttfb_ms" "$total_ms" "$size" "$grow_mb"
        if [ "$ttfb_ms" -gt "$ttfb_target" ]; then missed=1; fi
    done
done
for format in csv xlsx; do
    if awk -v a="${growth[${format}100000]}" -v b="${growth[${format}10000]}" 'BEGIN { exit !(a > 2 * b + 8) }'; then
        echo "$format: peak RSS grows with the row count (${growth[${format}10000]} MB for 10,000, ${growth[${format}100000]} MB for 100,000)"
        missed=1
    fi
done
[ "$missed" = 0 ] || { echo "target missed"; exit 1; }
echo "targets met: first byte (XLSX: headers) within $ttfb_target ms, memory not growing with the row count"
