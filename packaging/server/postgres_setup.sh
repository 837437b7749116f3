#!/usr/bin/env bash
# Create the PostgreSQL role and database for the sync server (run on the database machine).
#
#   sudo ./postgres_setup.sh [DATABASE] [ROLE]        (defaults: supervision supervision)
#
# Makes a login role with a random password (or $SUPERVISION_DB_PASSWORD), a database owned by
# it with UTF8 encoding, and revokes the public schema rights other roles get by default. It
# prints the database_url line for /etc/supervision-server/server.toml and the password line
# for /etc/supervision-server/server.env (kept apart so that server.toml holds no secret).
# Running it again keeps the database and sets a new password (so update server.env).
# Needs PostgreSQL 13 or newer (scram-sha-256 passwords), psql, and sudo rights to the
# `postgres` operating-system user. If the server runs on another machine, also allow it in
# pg_hba.conf:   hostssl DATABASE ROLE SERVER-IP/32 scram-sha-256
set -euo pipefail

db=${1:-supervision}
role=${2:-supervision}
host=${SUPERVISION_DB_HOST:-127.0.0.1}
port=${SUPERVISION_DB_PORT:-5432}
case "$db$role" in
  *[!a-z0-9_]*) echo "Database and role names: lower-case letters, digits and _ only." >&2; exit 2 ;;
esac
password=${SUPERVISION_DB_PASSWORD:-$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

as_postgres psql -v ON_ERROR_STOP=1 -q -d postgres \
  -v db="$db" -v role="$role" -v password="$password" <<'SQL'
SET password_encryption = 'scram-sha-256';
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'role') \gexec
SQL
as_postgres psql -v ON_ERROR_STOP=1 -q -d "$db" -v role="$role" <<'SQL'
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SELECT format('ALTER SCHEMA public OWNER TO %I', :'role') \gexec
SQL

echo "PostgreSQL database '$db' and role '$role' are ready."
echo
echo "In /etc/supervision-server/server.toml:"
echo "database_url = \"postgresql+psycopg://$role@$host:$port/$db\""
echo
echo "In /etc/supervision-server/server.env (root:supervision, mode 640):"
echo "SUPERVISION_SERVER_DATABASE_PASSWORD=$password"
