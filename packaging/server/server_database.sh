# Sourced by backup_server_db.sh and restore_server_db.sh after they load server.env: sets
# `url` to the server's database URL, found as the server finds it, and exports PGPASSWORD
# when the password is kept apart from the URL.
#   1. SUPERVISION_SERVER_DATABASE_URL from server.env (older installs keep the whole URL,
#      password included, there), else
#   2. database_url from the configuration file, read by the server itself
#      (`supervision-server check-config --get database_url`, printed without a password).
# The password from SUPERVISION_SERVER_DATABASE_PASSWORD goes to pg_dump/pg_restore in the
# environment (PGPASSWORD), so it never shows on a command line.
if [ -n "${SUPERVISION_SERVER_DATABASE_URL:-}" ]; then
  url=$SUPERVISION_SERVER_DATABASE_URL
else
  config=${SUPERVISION_SERVER_CONFIG:-/etc/supervision-server/server.toml}
  server=${SUPERVISION_SERVER_BIN:-/opt/supervision-server/venv/bin/supervision-server}
  [ -r "$config" ] || { echo "No database: SUPERVISION_SERVER_DATABASE_URL is not set in $env_file and $config cannot be read" >&2; exit 2; }
  url=$(SUPERVISION_SERVER_CONFIG="$config" "$server" check-config --get database_url) \
    || { echo "Cannot read the database URL from $config (see the message above)" >&2; exit 2; }
fi
if [ -n "${SUPERVISION_SERVER_DATABASE_PASSWORD:-}" ]; then
  export PGPASSWORD=$SUPERVISION_SERVER_DATABASE_PASSWORD
fi
