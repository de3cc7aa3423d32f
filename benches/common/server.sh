# Shared by the shell benchmarks (reads_wrk.sh, export.sh): source it after setting `bin` and
# `port`. It makes a data folder (and, with BENCH_DATABASE_URL, a fresh PostgreSQL database
# vocpath_bench_<pid>, dropped at exit), loads the demo county, opens a portal session for the
# viewer (`cookie`), and with `start_server` runs `vocpath serve` until the script exits.
# Sets: dir, backend, cookie, server; functions sql, count, grow_to, start_server.
dir=$(mktemp -d)
export VOCPATH_DATA_DIR=$dir
pg_db=""
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -n "$pg_db" ] && psql -q "$BENCH_DATABASE_URL/postgres" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT

if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    pg_db=vocpath_bench_$$
    psql -q "$BENCH_DATABASE_URL/postgres" -c "CREATE DATABASE $pg_db" >/dev/null
    export VOCPATH_DATABASE_URL="$BENCH_DATABASE_URL/$pg_db"
    backend=PostgreSQL
    sql() { psql -qtA "$VOCPATH_DATABASE_URL" -c "$1"; }
else
    backend=SQLite
    sql() { sqlite3 "$dir/vocpath.db" "$1"; }
fi
"$bin" demo >/dev/null 2>&1
# A portal session for the viewer: the cookie is random, the database keeps its SHA-256.
cookie=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
hash=$(printf %s "$cookie" | sha256sum | cut -d' ' -f1)
sql "INSERT INTO session (id, user_id, created_at, expires_at)
     SELECT '$hash', id, '2026-01-01T00:00:00+00:00', '2099-01-01T00:00:00+00:00' FROM \"user\"
     WHERE email = 'viewer@demo.vocpath'" >/dev/null

count() { sql "SELECT count(*) FROM student"; }

# Copies of the demo's students (new ids, unique ID hashes) until there are $1 students.
grow_to() {
    local add=$(($1 - $(count)))
    [ "$add" -gt 0 ] || return 0
    sql "INSERT INTO student (household_id, name, sex, national_id_enc, national_id_hash, national_id_masked,
            birth_date, phone, guardian, junior_high_school, graduation_year, exam_score, senior_high_status,
            disability, intended_skill, current_status, current_programme, created_at, updated_at)
         SELECT household_id, name, sex, national_id_enc, national_id_hash || '-' || $1 || '-' || k.n,
            national_id_masked, birth_date, phone, guardian, junior_high_school, graduation_year, exam_score,
            senior_high_status, disability, intended_skill, current_status, current_programme, created_at,
            updated_at
         FROM student, (WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 40)
                        SELECT n FROM k) AS k
         ORDER BY k.n, student.id LIMIT $add" >/dev/null
}

start_server() {
    VOCPATH_BIND=127.0.0.1:$port RUST_LOG=warn "$bin" serve >"$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
        sleep 0.2
    done
}
