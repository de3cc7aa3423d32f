#!/usr/bin/env bash
# Benchmark (issue 18 target 4): reads under 200 clients back to back, measured with `wrk` (one
# thread, 200 connections, keep-alive) against the release binary on the demo county. Prints
# p50, p99 and requests/s per endpoint and exits 1 when an endpoint's p99 misses the target.
#
#   cargo build --release && benches/reads_wrk.sh                  # SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432 benches/reads_wrk.sh   # PostgreSQL
#
# Environment: BENCH_BIN (default $CARGO_TARGET_DIR/release/vocpath), BENCH_SECONDS (10),
# BENCH_CONNECTIONS (200), BENCH_P99_MS (50), BENCH_PORT (18480), VOCPATH_DB_POOL (pool size),
# BENCH_STUDENTS (the demo's students copied until there are that many, e.g. 25000 for a county;
# default: the demo's 3,000). Besides page 3, the list's last page is read (an offset as deep as
# the list); besides student 5 (no archive yet), the student with the longest archive and mentors.
# PostgreSQL: a fresh database vocpath_wrk_<pid> is created on that server and dropped after.
set -euo pipefail

bin=${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/vocpath}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-200}
target=${BENCH_P99_MS:-50}
port=${BENCH_PORT:-18480}
# shellcheck source=common/server.sh
. "$(dirname "$0")/common/server.sh"
grow_to "${BENCH_STUDENTS:-0}"
students=$(count)
last=$(((students + 49) / 50))
# Student 5 of the demo has no archive and no mentors yet; the student with the longest archive
# is read too, the page a clerk most often opens.
full=$(sql "SELECT student_id FROM archive_entry WHERE student_id IN (SELECT student_id FROM mentor_assignment)
            GROUP BY student_id ORDER BY COUNT(*) DESC, student_id LIMIT 1")
token=$("$bin" create-token --email viewer@demo.vocpath --name wrk 2>/dev/null | tail -1)
start_server

# wrk prints latencies as 812.00us, 75.60ms or 1.09s: in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.1f", n }'; }

echo "$backend, demo county ($students students), wrk -t1 -c$conns -d${seconds}s, target p99 < $target ms ($(uptime | sed 's/.*load/load/'))"
printf '%-32s %10s %10s %10s %8s\n' endpoint req/s p50_ms p99_ms failed
missed=0
for path in /healthz /api/v1/students/5 '/api/v1/students?page=3' "/api/v1/students?page=$last" /students/5 "/students/$full" \
    '/students?page=3' "/students?page=$last"; do
    out=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
        -H "Cookie: vocpath_session=$cookie; vocpath_lang=zh" "http://127.0.0.1:$port$path")
    p50=$(ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
    p99=$(ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
    rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
    # Non-2xx answers and socket errors (timeouts, resets) count as failures.
    bad=$(echo "$out" | awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { if (n) print n }')
    printf '%-32s %10s %10s %10s %8s\n' "$path" "$rps" "$p50" "$p99" "${bad:-0}"
    if awk -v p="$p99" -v t="$target" 'BEGIN { exit !(p >= t) }' || [ -n "$bad" ]; then missed=1; fi
done
[ "$missed" = 0 ] || { echo "target missed: p99 >= $target ms (or errors) on some endpoint"; exit 1; }
