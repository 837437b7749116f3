#!/usr/bin/env bash
# Build the Linux desktop bundle and its tarball.
#
#   packaging/build_linux.sh [--force] [--no-self-test]
#
# Makes, from the repository root:
#   dist/supervision-app/                                    the bundle (PyInstaller, one folder)
#   dist/supervision-recorder-VERSION-linux-ARCH.tar.gz      the tarball for IT (+ .sha256)
#
# A bundle already in dist/ that was built from the same sources, spec and Python packages
# (packaging/build_info.py) is reused unless --force is given. The bundle's own
# `--self-test` runs at the end (unless --no-self-test); a failure fails the build.
#
# Python: $PYTHON, else .venv/bin/python, else python3. It needs the app installed with the
# `package` extra:  pip install -e '.[package]'   (PyInstaller).
# Build on the oldest Linux you support: the bundle needs a glibc at least as new as the
# build machine's.
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
self_test=1
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --no-self-test) self_test=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "PyInstaller is not installed for $PY. Install it with: $PY -m pip install -e '.[package]'" >&2
  exit 1
fi

version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
arch=$(uname -m)
glibc=$(ldd --version 2>/dev/null | awk 'NR == 1 {print $NF}' || true)
bundle=dist/supervision-app
name=supervision-recorder-$version-linux-$arch

if [ "$force" = 0 ] && "$PY" packaging/build_info.py check "$bundle"; then
  echo "== reusing $bundle: built from these sources ($(sed -n 's/.*"built_at": "\(.*\)".*/\1/p' "$bundle/BUILD-INFO.json"))"
else
  echo "== building $bundle (version $version; this takes a few minutes)"
  start=$(date +%s)
  rm -rf "$bundle" build/supervision-app
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
      --distpath dist --workpath build packaging/supervision-app.spec
  seconds=$(( $(date +%s) - start ))
  "$PY" packaging/build_info.py write "$bundle" --seconds "$seconds"
  echo "== built in ${seconds} s"
fi
echo "== bundle size unpacked: $(du -sh --apparent-size "$bundle" | cut -f1)"

if [ "$self_test" = 1 ]; then
  echo "== self-test of the bundle"
  env -u DISPLAY -u WAYLAND_DISPLAY "$bundle/supervision-app" --self-test
fi

echo "== tarball"
stage=dist/$name
rm -rf "$stage" "dist/$name.tar.gz" "dist/$name.tar.gz.sha256"
mkdir -p "$stage/icons"
cp -a "$bundle" "$stage/supervision-app"
cp resources/icons/app-icon.png resources/icons/app-icon.svg "$stage/icons/"
cp packaging/linux/supervision-recorder.desktop packaging/linux/install.sh packaging/linux/uninstall.sh "$stage/"
cp docs/INSTALL.md "$stage/INSTALL.md" 2>/dev/null || true
cp CHANGELOG.md "$stage/CHANGELOG.md" 2>/dev/null || true
echo "$version" > "$stage/VERSION"
cat > "$stage/README.txt" <<TXT
Supervision Recorder $version for Linux ($arch)

Install for everyone:   sudo ./install.sh
Install for yourself:   ./install.sh
Check the installation: supervision-app --self-test

Needs: a 64-bit Linux with glibc $glibc or newer (the build machine's), a desktop session
with a Secret Service keyring (GNOME Keyring or KWallet). INSTALL.md has the full guide.
TXT
tar -C dist -czf "dist/$name.tar.gz" "$name"
(cd dist && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
rm -rf "$stage"
echo "== dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1))"
