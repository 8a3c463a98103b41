# The PostgreSQL server the tests need (sourced by ./run; tests/lagesbild/test_run_postgres.py runs it on
# another port):
#
#   ensure_postgres [PORT] [DIR]   a server on 127.0.0.1:PORT (default 5432) with trust authentication for
#                                  local connections and a database `test`. When something already listens
#                                  there it is used as it is when the tests can sign in (trust, database
#                                  `test`); a server that refuses them (a fresh Debian cluster: scram on TCP)
#                                  gets, over its Unix socket as the user postgres, the database `test` and
#                                  one pg_hba.conf line trusting postgres@test from 127.0.0.1, then a reload.
#                                  Otherwise a cluster of our own is made in DIR (default .cache/postgres)
#                                  with initdb and started with pg_ctl; it keeps running after the tests,
#                                  so the next run finds it listening.
#   stop_postgres DIR              stop the cluster in DIR (only one that ensure_postgres made there)
#
# Needs the Debian package postgresql (./run installs it). As root the cluster belongs to the user
# postgres, since PostgreSQL refuses to run as root.

pg_listening() {  # pg_listening PORT: something accepts connections on 127.0.0.1:PORT
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg_bindir() {  # the newest installed server's bin folder (Debian keeps them per major version)
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        echo "run: no PostgreSQL server installed (Debian package postgresql)" >&2
        return 1
    fi
    echo "$dir"
}

pg_as_owner() {  # run a PostgreSQL program as the cluster's owner: postgres when we are root, else ourselves
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_usable() {  # pg_usable PORT: the tests' connection works (postgres, database test, no password)
    PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$1" -U postgres -d test -w -tAc "SELECT 1" >/dev/null 2>&1
}

pg_open_for_tests() {  # pg_open_for_tests PORT SOCKETDIR...: make a running server usable by the tests
    local port=$1 socket hba
    shift
    for socket in "$@"; do
        [ -S "$socket/.s.PGSQL.$port" ] || continue
        hba=$(pg_as_owner psql -h "$socket" -p "$port" -U postgres -d postgres -tAc "SHOW hba_file" 2>/dev/null) ||
            continue
        echo "run: PostgreSQL on 127.0.0.1:$port refuses the tests; adding database test and a trust line to $hba" >&2
        pg_as_owner psql -h "$socket" -p "$port" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 ||
            pg_as_owner psql -h "$socket" -p "$port" -U postgres -d postgres -qc "CREATE DATABASE test" || return 1
        if ! grep -q "^host test postgres 127.0.0.1/32 trust" "$hba"; then
            # First: pg_hba.conf is read top down and the first matching line decides.
            { echo "host test postgres 127.0.0.1/32 trust  # added by lagesbild ./run tests"; cat "$hba"; } >"$hba.new"
            cat "$hba.new" >"$hba" && rm -f "$hba.new"
        fi
        pg_as_owner psql -h "$socket" -p "$port" -U postgres -d postgres -qtAc "SELECT pg_reload_conf()" >/dev/null
        sleep 1
        pg_usable "$port" && return 0
    done
    echo "run: PostgreSQL on 127.0.0.1:$port refuses postgres@test without a password; allow it (trust on" \
        "127.0.0.1) or set TEST_POSTGRES_URL" >&2
    return 1
}

ensure_postgres() {
    local port=${1:-5432} dir=${2:-.cache/postgres} bin
    if pg_listening "$port"; then
        pg_usable "$port" || pg_open_for_tests "$port" /var/run/postgresql "$(cd "$dir" 2>/dev/null && pwd)"
        return
    fi
    bin=$(pg_bindir) || return 1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$dir/.." 2>/dev/null; then
        # The clone lies where the user postgres cannot go (e.g. under /root): the cluster goes to /var/tmp.
        dir=/var/tmp/lagesbild-postgres-$port
        mkdir -p "$dir"
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        if [ -n "$(ls -A "$dir")" ]; then
            echo "run: $dir is not empty and holds no PostgreSQL cluster; not touching it" >&2
            return 1
        fi
        echo "run: creating a PostgreSQL cluster for the tests in $dir (trust on 127.0.0.1:$port)" >&2
        chmod 700 "$dir"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
        pg_as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
            >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; return 1; }
    fi
    echo "run: starting PostgreSQL on 127.0.0.1:$port ($dir)" >&2
    # The socket goes into the cluster's own folder: /run/postgresql may not exist or not be ours.
    pg_as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=off" \
        start >/dev/null || { tail -n 20 "$dir/server.log" >&2; return 1; }
    if ! pg_as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
        pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
    fi
}

stop_postgres() {
    local dir=$1 bin
    [ -f "$dir/PG_VERSION" ] || return 0
    bin=$(pg_bindir) || return 1
    pg_as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
}
