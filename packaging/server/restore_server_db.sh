#!/usr/bin/env bash
# Restore the sync server's database from a backup made by backup_server_db.sh.
#
#   sudo ./restore_server_db.sh BACKUP_FILE [ENV_FILE] [--yes]
#
# REPLACES the current server database with the backup's contents. It checks the backup's
# .sha256, stops supervision-server (if systemd runs it), restores, and starts it again.
#   PostgreSQL (.dump): pg_restore --clean --if-exists into the database in the URL, in one
#                       transaction (a failed restore changes nothing).
#   SQLite (.sqlite):   the current file is kept as NAME.before-restore-STAMP, then replaced.
# Desktops that synced after the backup was taken hold changes the server no longer has;
# the sync protocol sends them again from their outboxes only if they were not yet
# acknowledged, so tell users to expect a full re-sync and check recent records (see
# docs/INSTALL.md, "Restoring the server database").
set -euo pipefail

backup=${1:?usage: restore_server_db.sh BACKUP_FILE [ENV_FILE] [--yes]}
env_file=/etc/supervision-server/server.env
yes=0
for arg in "${@:2}"; do
  case "$arg" in
    --yes) yes=1 ;;
    *) env_file=$arg ;;
  esac
done
[ -r "$backup" ] || { echo "Cannot read $backup" >&2; exit 2; }
[ -r "$env_file" ] || { echo "Cannot read $env_file" >&2; exit 2; }
set -a; . "$env_file"; set +a
. "$(dirname "$0")/server_database.sh"

if [ -f "$backup.sha256" ]; then
  (cd "$(dirname "$backup")" && sha256sum --check --quiet "$(basename "$backup").sha256") \
    || { echo "The backup does not match its checksum: not restoring." >&2; exit 1; }
else
  echo "Warning: no $backup.sha256 to check the backup against." >&2
fi

if [ "$yes" != 1 ]; then
  printf 'This replaces the server database (%s) with %s.\nType RESTORE to go on: ' "${url%%://*}" "$backup"
  read -r answer
  [ "$answer" = RESTORE ] || { echo "Nothing changed."; exit 1; }
fi

service_was_running=0
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet supervision-server 2>/dev/null; then
  service_was_running=1
  systemctl stop supervision-server
fi
restart() { if [ "$service_was_running" = 1 ]; then systemctl start supervision-server; fi; }
trap restart EXIT

case "$url" in
  postgresql*)
    libpq_url="postgresql://${url#*://}"
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
               --exit-on-error --dbname="$libpq_url" "$backup"
    ;;
  sqlite*)
    db=${url#sqlite:///}
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    for suffix in "" -wal -shm; do
      [ -e "$db$suffix" ] && mv "$db$suffix" "$db.before-restore-$stamp$suffix"
    done
    cp "$backup" "$db.restoring"
    mv "$db.restoring" "$db"
    if id supervision >/dev/null 2>&1; then chown supervision:supervision "$db"; fi
    chmod 600 "$db"
    ;;
  *) echo "Unsupported database URL" >&2; exit 2 ;;
esac
echo "Restored $backup."
