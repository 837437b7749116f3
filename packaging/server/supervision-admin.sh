#!/bin/sh
# Run a supervision-server admin command with the server's configuration, as its user.
#
#   sudo /opt/supervision-server/supervision-admin.sh add-user jsmith --name "Jo Smith" --role social_worker --team TEAM_ID
#   sudo /opt/supervision-server/supervision-admin.sh migrate
#   sudo /opt/supervision-server/supervision-admin.sh check-config
#
# (Passwords: add --password-stdin and pipe the password in, or type it when asked.)
# It reads the same files as the service: server.env and server.toml
# ($SUPERVISION_SERVER_ENV and $SUPERVISION_SERVER_CONFIG name others).
set -eu
env_file=${SUPERVISION_SERVER_ENV:-/etc/supervision-server/server.env}
config=${SUPERVISION_SERVER_CONFIG:-/etc/supervision-server/server.toml}
exec runuser -u supervision -- sh -c 'set -a; . "$0"; set +a; [ -e "$1" ] && export SUPERVISION_SERVER_CONFIG="$1"; shift; exec /opt/supervision-server/venv/bin/supervision-server "$@"' "$env_file" "$config" "$@"
