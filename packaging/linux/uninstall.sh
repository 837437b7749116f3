#!/bin/sh
# Remove Supervision Recorder as installed by install.sh (run it with the same rights:
# sudo for an installation for everyone). Profiles and their records, which live in each
# user's data folder, and the keys in the keyring are NOT removed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/install-locations" ] || { echo "Run the uninstall.sh inside the installed folder." >&2; exit 1; }
. "$here/install-locations"
rm -f "$share/applications/supervision-recorder.desktop" \
      "$share/icons/hicolor/256x256/apps/supervision-recorder.png" \
      "$share/icons/hicolor/scalable/apps/supervision-recorder.svg"
if [ "$(readlink "$bindir/supervision-app" 2>/dev/null)" = "$prefix/supervision-app/supervision-app" ]; then
  rm -f "$bindir/supervision-app"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
rm -rf "$prefix"
echo "Supervision Recorder removed from $prefix."
