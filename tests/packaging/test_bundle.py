"""Build the Linux bundle for real and run it as IT would: ``--self-test``, ``--version``,
and a start without a keyring (which must be refused in words).

Building takes minutes; a bundle in ``dist/`` built from exactly these sources, spec and
Python packages is reused (``packaging/build_info.py``). CI runs this test: it is marked
slow, not skipped. It needs PyInstaller (``pip install -e '.[package]'``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.packaging.self_test_output import EXPECTED_CHECKS, assert_all_checks_passed, pyproject_version

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "supervision-app"
EXECUTABLE = BUNDLE / "supervision-app"
SIZE_LIMIT_MB = 150  # the target; measured 142 MB in 0.1.0: a guard against new heavy imports

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="packaging/build_linux.sh builds the Linux bundle"),
]


def _headless_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "PYTHONPATH",
                        "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def built() -> Path:
    import importlib.util

    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: pip install -e '.[package]'")
    result = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build_linux.sh"), "--no-self-test"],
        cwd=ROOT, env={**os.environ, "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=3000,
    )
    assert result.returncode == 0, f"build failed:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
    print(result.stdout)
    assert EXECUTABLE.is_file()
    return BUNDLE


@pytest.mark.timeout(3600)
def test_the_bundle_passes_its_self_test(built, tmp_path):
    result = subprocess.run([str(EXECUTABLE), "--self-test"], cwd=tmp_path,
                            env=_headless_env(TMPDIR=str(tmp_path)),
                            capture_output=True, text=True, timeout=600)
    output = result.stdout
    print(output)
    assert result.returncode == 0, f"{output}\n{result.stderr}"
    assert_all_checks_passed(output)
    assert "running from a bundle" in output
    assert "from package metadata" in output
    assert len(EXPECTED_CHECKS) == output.count("\n  ok ")
    assert list(tmp_path.iterdir()) == []  # the throwaway profile is gone


@pytest.mark.timeout(3600)
def test_the_bundle_reports_the_project_version(built):
    result = subprocess.run([str(EXECUTABLE), "--version"], env=_headless_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == pyproject_version()


@pytest.mark.timeout(3600)
def test_the_bundle_refuses_to_start_without_a_secure_keyring(built, tmp_path):
    profile = tmp_path / "profile"
    result = subprocess.run([str(EXECUTABLE), "--data-dir", str(profile)],
                            env=_headless_env(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
                                              XDG_DATA_HOME=str(tmp_path / "data")),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, f"{result.stdout}\n{result.stderr}"
    assert "keyring" in result.stderr
    assert not profile.exists()


@pytest.mark.timeout(3600)
def test_the_bundle_weighs_what_we_expect_and_leaves_out_unused_qt(built):
    total = sum(p.stat().st_size for p in built.rglob("*") if p.is_file() and not p.is_symlink())
    megabytes = total / 1024 / 1024
    print(f"bundle unpacked: {megabytes:.0f} MB")
    assert megabytes <= SIZE_LIMIT_MB, f"the bundle grew to {megabytes:.0f} MB"
    names = {p.name for p in built.rglob("*")}
    for unwanted in ("libQt6WebEngineCore.so.6", "libQt6Quick.so.6", "libQt6Qml.so.6",
                     "libQt6Network.so.6", "libQt6Pdf.so.6", "libgtk-3.so.0", "_tkinter",
                     "libqtiff.so", "libqjpeg.so", "libqwebp.so", "libqevdevtouchplugin.so",
                     "libqt-plugin-wayland-egl.so", "libivi-shell.so", "libgssapi_krb5.so",
                     "libreadline.so", "libsqlite3.so"):
        assert not any(name.startswith(unwanted) for name in names), unwanted
    dynload = {p.name.split(".")[0] for p in built.glob("_internal/python3.*/lib-dynload/*")}
    assert not dynload & {"_sqlite3", "readline", "_curses"}, dynload  # SQLCipher is sqlcipher3's
    # what the app does use stays: SVG icons, X11 and Wayland (xdg-shell) windows, D-Bus
    plugins = built / "_internal" / "PySide6" / "Qt" / "plugins"
    for wanted in ("iconengines/libqsvgicon.so", "imageformats/libqsvg.so", "platforms/libqxcb.so",
                   "platforms/libqwayland.so", "wayland-shell-integration/libxdg-shell.so",
                   "platforminputcontexts/libcomposeplatforminputcontextplugin.so"):
        assert (plugins / wanted).is_file(), wanted
    # ICU's data reduced to English (packaging/icu_data.py): 31 MB -> about 4 MB
    icudata = next((built / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*"))
    assert icudata.stat().st_size < 8 * 1024 * 1024, "the full ICU data was bundled (no C compiler?)"
    internal = built / "_internal"
    assert (internal / "ui" / "main_window.ui").is_file()
    assert (internal / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    assert (internal / "supervision_app" / "store" / "migrations" / "env.py").is_file()
    assert list(internal.glob("keyring-*.dist-info/entry_points.txt"))
    assert not list(internal.glob("keyrings*")), "the insecure keyrings.alt must not ship"


@pytest.mark.timeout(3600)
def test_the_tarball_holds_the_bundle_desktop_entry_and_installer(built):
    tarball = ROOT / "dist" / f"supervision-recorder-{pyproject_version()}-linux-{os.uname().machine}.tar.gz"
    assert tarball.is_file()
    assert (tarball.parent / (tarball.name + ".sha256")).is_file()
    top = tarball.name.removesuffix(".tar.gz")
    with tarfile.open(tarball) as archive:
        members = {m.name: m for m in archive.getmembers()}
        desktop = archive.extractfile(members[f"{top}/supervision-recorder.desktop"]).read().decode()
    for name in ("install.sh", "uninstall.sh", "VERSION", "README.txt", "icons/app-icon.png",
                 "icons/app-icon.svg", "supervision-app/supervision-app"):
        assert f"{top}/{name}" in members, name
    assert members[f"{top}/install.sh"].mode & 0o111
    assert members[f"{top}/supervision-app/supervision-app"].mode & 0o111
    assert "Icon=supervision-recorder" in desktop and "Exec=" in desktop


@pytest.mark.timeout(3600)
def test_the_bundle_keeps_its_key_in_the_real_secret_service(built, tmp_path):
    """GNOME Keyring on a private D-Bus (as in tests/security/test_real_keyring.py): the
    bundled keyring finds the Secret Service through its entry points and the new profile's
    key lands there. ``--as`` an unknown person makes the app stop right after opening the
    profile (exit 2), before any window."""
    profile = tmp_path / "profile"
    env = _headless_env(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
                        XDG_DATA_HOME=str(tmp_path / "xdg"))
    env.pop("PYTHON_KEYRING_BACKEND", None)
    command = (f"printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
               f"'{EXECUTABLE}' --data-dir '{profile}' --as nobody-here; echo EXIT $?; "
               f"secret-tool search --all service supervision-recorder 2>&1 | grep -c '^secret = '")
    result = subprocess.run(["dbus-run-session", "--", "sh", "-c", command], env=env,
                            capture_output=True, text=True, timeout=300)
    assert "EXIT 2" in result.stdout, f"{result.stdout}\n{result.stderr}"
    assert "nobody called 'nobody-here'" in result.stderr
    assert (profile / "records.db").is_file()  # an encrypted profile was made ...
    assert result.stdout.strip().splitlines()[-1] == "1"  # ... with its key in the keyring
