#!/bin/sh
# Install Supervision Recorder from this unpacked tarball.
#
#   sudo ./install.sh      for everyone: /opt/supervision-recorder, /usr/local/bin/supervision-app,
#                          a menu entry in /usr/share/applications
#   ./install.sh           for you only: ~/.local/opt/supervision-recorder, ~/.local/bin,
#                          a menu entry in ~/.local/share/applications
#
# PREFIX=/some/folder ./install.sh   installs the program folder somewhere else.
# sudo SUPERVISION_SERVER_URL=https://supervision.example.gov.uk ./install.sh
#                        also sets the organisation's sync server address for everyone on this
#                        computer (/etc/supervision-recorder/client.toml), so that nobody types it.
# Installing again replaces the previous version; profiles (your records) are never touched:
# they live in your user data folder, not here. ./uninstall.sh removes what this installed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  prefix=${PREFIX:-/opt/supervision-recorder}
  bindir=/usr/local/bin
  share=/usr/share
else
  prefix=${PREFIX:-$HOME/.local/opt/supervision-recorder}
  bindir=$HOME/.local/bin
  share=${XDG_DATA_HOME:-$HOME/.local/share}
fi
exe="$prefix/supervision-app/supervision-app"

[ -x "$here/supervision-app/supervision-app" ] || { echo "Run this from the unpacked tarball folder." >&2; exit 1; }
server=${SUPERVISION_SERVER_URL:-}
if [ -n "$server" ] && [ "$(id -u)" != 0 ]; then
  echo "Setting the server address for everyone needs sudo (it writes /etc/supervision-recorder/client.toml)." >&2
  exit 1
fi

echo "Installing Supervision Recorder $(cat "$here/VERSION") into $prefix"
mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix.new"
mkdir -p "$prefix.new"
cp -a "$here/supervision-app" "$prefix.new/"
cp "$here/VERSION" "$here/uninstall.sh" "$prefix.new/"
if [ -d "$prefix" ]; then
  rm -rf "$prefix.old"
  mv "$prefix" "$prefix.old"
fi
mv "$prefix.new" "$prefix"
rm -rf "$prefix.old"

mkdir -p "$bindir" "$share/applications" "$share/icons/hicolor/256x256/apps" "$share/icons/hicolor/scalable/apps"
ln -sf "$exe" "$bindir/supervision-app"
cp "$here/icons/app-icon.png" "$share/icons/hicolor/256x256/apps/supervision-recorder.png"
cp "$here/icons/app-icon.svg" "$share/icons/hicolor/scalable/apps/supervision-recorder.svg"
sed "s|@EXEC@|$exe|g" "$here/supervision-recorder.desktop" > "$share/applications/supervision-recorder.desktop"
chmod 644 "$share/applications/supervision-recorder.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
if [ -n "$server" ]; then
  # the machine-wide settings the app reads (supervision_app/client_settings.py): TOML, with
  # backslashes and double quotes escaped; readable by everyone, changed only by root
  mkdir -p /etc/supervision-recorder
  escaped=$(printf '%s' "$server" | sed 's/\\/\\\\/g; s/"/\\"/g')
  printf '# Written by install.sh\n[server]\nurl = "%s"\n' "$escaped" > /etc/supervision-recorder/client.toml
  chmod 644 /etc/supervision-recorder/client.toml
  echo "Server address for everyone on this computer: $server"
fi
# record where things went, for uninstall.sh
printf 'prefix=%s\nbindir=%s\nshare=%s\n' "$prefix" "$bindir" "$share" > "$prefix/install-locations"

echo "Installed. Check it with:  $exe --self-test"
echo "Start it from the applications menu (Supervision Recorder) or with: $bindir/supervision-app"
