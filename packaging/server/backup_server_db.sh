#!/usr/bin/env bash
# Back up the sync server's database (PostgreSQL with pg_dump, or SQLite with `.backup`).
#
#   sudo ./backup_server_db.sh [ENV_FILE]       (default /etc/supervision-server/server.env)
#
# Reads SUPERVISION_BACKUP_DIR (default /var/backups/supervision-server) and
# SUPERVISION_BACKUP_KEEP_DAYS (default 35) from the environment file, and the database as
# the server sees it: SUPERVISION_SERVER_DATABASE_URL if the environment file sets it, else
# database_url from the configuration file (SUPERVISION_SERVER_CONFIG, default
# /etc/supervision-server/server.toml) with the password from
# SUPERVISION_SERVER_DATABASE_PASSWORD (given to pg_dump in its environment, never on the
# command line). Writes one file per run, readable by root only, with a .sha256 beside it:
#   PostgreSQL: supervision-server-YYYYmmddTHHMMSSZ.dump   (pg_dump custom format)
#   SQLite:     supervision-server-YYYYmmddTHHMMSSZ.sqlite (online backup: safe while serving)
# then checks the backup can be read and deletes backups older than the keep period.
# Safe while the server runs. Run it daily (supervision-server-backup.timer), and copy
# the folder off the machine: a backup on the same disk is not a backup.
# Needs: pg_dump/pg_restore of the server's major version or newer, or sqlite3 (else python3).
set -euo pipefail
umask 077

env_file=${1:-/etc/supervision-server/server.env}
[ -r "$env_file" ] || { echo "Cannot read $env_file" >&2; exit 2; }
set -a; . "$env_file"; set +a
. "$(dirname "$0")/server_database.sh"
dir=${SUPERVISION_BACKUP_DIR:-/var/backups/supervision-server}
keep=${SUPERVISION_BACKUP_KEEP_DAYS:-35}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dir"

case "$url" in
  postgresql*)
    libpq_url="postgresql://${url#*://}"      # drop the +psycopg driver name
    out="$dir/supervision-server-$stamp.dump"
    pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$out.part" --dbname="$libpq_url"
    pg_restore --list "$out.part" >/dev/null   # the archive is complete and readable
    ;;
  sqlite*)
    db=${url#sqlite:///}
    [ -f "$db" ] || { echo "SQLite database $db not found" >&2; exit 2; }
    out="$dir/supervision-server-$stamp.sqlite"
    if command -v sqlite3 >/dev/null 2>&1; then
      sqlite3 "$db" ".timeout 30000" ".backup '$out.part'"
      check=$(sqlite3 "$out.part" "PRAGMA integrity_check")
    else
      python3 - "$db" "$out.part" <<'PY'
import sqlite3, sys
source = sqlite3.connect(sys.argv[1], timeout=30)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.close(); source.close()
PY
      check=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$out.part")
    fi
    [ "$check" = ok ] || { echo "The SQLite backup failed its integrity check: $check" >&2; exit 1; }
    ;;
  *) echo "Unsupported database URL (want postgresql+psycopg://... or sqlite:///...)" >&2; exit 2 ;;
esac

mv "$out.part" "$out"
(cd "$dir" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
find "$dir" -maxdepth 1 -name 'supervision-server-*' -type f -mtime +"$keep" -delete
echo "Backup written: $out ($(du -h "$out" | cut -f1))"
