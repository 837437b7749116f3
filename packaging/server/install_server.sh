#!/usr/bin/env bash
# Install (or upgrade) the sync server on a Debian/Ubuntu or RHEL-family Linux server.
#
#   sudo ./install_server.sh PACKAGE
#
# PACKAGE is the supervision-recorder wheel (supervision_recorder-VERSION-py3-none-any.whl,
# made with `python -m pip wheel --no-deps -w dist .`) or a source folder. It:
#   * creates the system user `supervision` and the folders
#       /opt/supervision-server            program (virtual environment, scripts)   root
#       /etc/supervision-server            server.toml (settings, 644), server.env
#                                          (secrets, 640)                            root:supervision 750
#       /var/lib/supervision-server        working folder (and a SQLite database)    supervision 700
#       /var/log/supervision-server        server.log                                supervision 750
#   * installs the package with its `server` extra into /opt/supervision-server/venv
#   * installs server.toml and server.env (each only if there is none yet), the systemd
#     units and the backup timer, and checks the configuration (`check-config`)
# It does not start anything: edit /etc/supervision-server/server.toml and server.env first,
# then follow docs/INSTALL.md ("Server"). Needs Python 3.11+ with venv (python3-venv on Debian/Ubuntu).
set -euo pipefail

package=${1:?usage: install_server.sh PACKAGE (wheel or source folder)}
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
[ "$(id -u)" = 0 ] || { echo "Run as root (sudo)." >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "$python is older than 3.11; set PYTHON=/path/to/python3.11" >&2; exit 1; }
case "$package" in /*) ;; *) package="$PWD/$package" ;; esac

if ! id supervision >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/supervision-server --no-create-home \
          --shell /usr/sbin/nologin supervision
fi
install -d -o root -g root -m 755 /opt/supervision-server
install -d -o root -g supervision -m 750 /etc/supervision-server
install -d -o supervision -g supervision -m 700 /var/lib/supervision-server
install -d -o supervision -g supervision -m 750 /var/log/supervision-server

[ -x /opt/supervision-server/venv/bin/python ] || "$python" -m venv /opt/supervision-server/venv
/opt/supervision-server/venv/bin/python -m pip install --quiet --upgrade pip
/opt/supervision-server/venv/bin/python -m pip install --quiet --upgrade "$package[server]"

for script in backup_server_db.sh restore_server_db.sh postgres_setup.sh supervision-admin.sh; do
  install -o root -g root -m 755 "$here/$script" /opt/supervision-server/
done
install -o root -g root -m 644 "$here/server_database.sh" "$here/server.toml.example" /opt/supervision-server/
if [ -f "$here/../../docs/INSTALL.md" ]; then
  install -o root -g root -m 644 "$here/../../docs/INSTALL.md" /opt/supervision-server/
fi
if [ ! -f /etc/supervision-server/server.env ]; then
  install -o root -g supervision -m 640 "$here/server.env.example" /etc/supervision-server/server.env
  fresh=1
else
  fresh=0
fi
# An installation from before server.toml keeps all its settings in server.env, which
# overrides the file: the new file changes nothing for it until settings are moved there.
if [ ! -f /etc/supervision-server/server.toml ]; then
  install -o root -g root -m 644 "$here/server.toml.example" /etc/supervision-server/server.toml
fi
if command -v systemctl >/dev/null 2>&1; then
  install -o root -g root -m 644 "$here/supervision-server.service" \
          "$here/supervision-server-backup.service" "$here/supervision-server-backup.timer" \
          /etc/systemd/system/
  systemctl daemon-reload
fi

version=$(/opt/supervision-server/venv/bin/python -c 'from supervision_app.version import __version__; print(__version__)')
echo "Supervision Recorder server $version installed in /opt/supervision-server."
if ! /opt/supervision-server/supervision-admin.sh check-config >/dev/null; then
  echo "The configuration above needs fixing before the server can start." >&2
fi
if [ "$fresh" = 1 ]; then
  echo "Next: set database_url in /etc/supervision-server/server.toml and the password in"
  echo "/etc/supervision-server/server.env (postgres_setup.sh prints both lines), then:"
  echo "  sudo /opt/supervision-server/supervision-admin.sh check-config"
  echo "  sudo systemctl enable --now supervision-server supervision-server-backup.timer"
else
  echo "Upgrade: sudo /opt/supervision-server/supervision-admin.sh migrate"
  echo "         sudo systemctl restart supervision-server"
fi
