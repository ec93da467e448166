#!/bin/sh
# The container's entry point.
#   run (the default)  apply the database migrations, then start the bot in the foreground
#   anything else      passed to `python -m bot`, e.g. `roster import /data/roster.toml`
# Several replicas may start at once against one PostgreSQL: a replica whose migration loses
# the race fails inside its own transaction (nothing is half-applied), so the upgrade is tried
# again a few times; by then the winner has committed and the upgrade finds nothing to do.
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "run" ]; then
    attempts="${MIGRATE_ATTEMPTS:-5}"
    pause="${MIGRATE_RETRY_SECONDS:-5}"
    n=1
    until python -m bot db upgrade; do
        if [ "$n" -ge "$attempts" ]; then
            echo "entrypoint: the database migration failed $attempts times; not starting" >&2
            exit 1
        fi
        echo "entrypoint: the database migration failed (attempt $n of $attempts); retrying in ${pause} s" >&2
        n=$((n + 1))
        sleep "$pause"
    done
    exec python -m bot run
fi

exec python -m bot "$@"
