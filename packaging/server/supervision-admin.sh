#!/bin/sh
# Run a supervision-server admin command with the server's configuration, as its user.
#
#   sudo /opt/supervision-server/supervision-admin.sh add-user jsmith --name "Jo Smith" --role social_worker --team TEAM_ID
#   sudo /opt/supervision-server/supervision-admin.sh migrate
#
# (Passwords: add --password-stdin and pipe the password in, or type it when asked.)
set -eu
env_file=${SUPERVISION_SERVER_ENV:-/etc/supervision-server/server.env}
exec runuser -u supervision -- sh -c 'set -a; . "$0"; set +a; exec /opt/supervision-server/venv/bin/supervision-server "$@"' "$env_file" "$@"
