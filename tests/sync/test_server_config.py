"""``supervision-server`` settings: flags > environment > TOML file > defaults, and a clear
refusal (naming the key and the file, exit 2, no traceback) for what cannot work."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from supervision_app.sync.server import cli, config

REPO = Path(__file__).resolve().parents[2]


def load(argv: list[str], environ: dict[str, str] | None = None) -> config.ServerConfig:
    return config.load(cli.build_parser().parse_args(argv), environ or {})


def write(folder: Path, text: str, name: str = "server.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    return subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli", *argv],
                          env={**clean, **(env or {})}, cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=120)


def test_defaults_without_file_or_environment():
    settings = load([])
    assert settings.file is None
    assert settings.database_url == "sqlite:///supervision-server.db"
    assert (settings.host, settings.port, settings.token_hours) == ("127.0.0.1", 8443, 12.0)
    assert settings.migrate_on_start is True
    assert set(settings.sources.values()) == {"default"}


def test_flags_beat_environment_beat_file_beat_defaults(tmp_path):
    path = write(tmp_path, 'host = "0.0.0.0"\nport = 9000\ntoken_hours = 8\nlog_level = "warning"\n')
    environ = {"SUPERVISION_SERVER_PORT": "9100", "SUPERVISION_SERVER_TOKEN_HOURS": "4.5"}
    settings = load(["--config", str(path), "--token-hours", "2"], environ)
    assert settings.host == "0.0.0.0" and settings.sources["host"] == f"file {path}"
    assert settings.port == 9100 and settings.sources["port"] == "environment SUPERVISION_SERVER_PORT"
    assert settings.token_hours == 2.0 and settings.sources["token_hours"] == "flag --token-hours"
    assert settings.log_level == "warning"
    assert settings.log_file is None and settings.sources["log_file"] == "default"
    assert isinstance(settings.token_hours, float)


def test_the_file_may_be_named_by_the_environment(tmp_path):
    path = write(tmp_path, "migrate_on_start = false\n")
    settings = load([], {"SUPERVISION_SERVER_CONFIG": str(path)})
    assert settings.file == path and settings.migrate_on_start is False
    # and the flag names another file, which wins
    other = write(tmp_path, "port = 8555\n", "other.toml")
    settings = load(["--config", str(other)], {"SUPERVISION_SERVER_CONFIG": str(path)})
    assert settings.file == other and settings.migrate_on_start is True and settings.port == 8555


def test_no_migrate_flag_and_boolean_environment(tmp_path):
    assert load(["--no-migrate"]).migrate_on_start is False
    assert load([], {"SUPERVISION_SERVER_MIGRATE_ON_START": "no"}).migrate_on_start is False
    path = write(tmp_path, "migrate_on_start = false\n")
    assert load(["--config", str(path)], {"SUPERVISION_SERVER_MIGRATE_ON_START": "true"}).migrate_on_start


def test_an_empty_environment_variable_does_not_override_the_file(tmp_path):
    path = write(tmp_path, "port = 9000\n")
    assert load(["--config", str(path)], {"SUPERVISION_SERVER_PORT": ""}).port == 9000


def test_the_password_comes_from_the_environment_and_is_never_shown(tmp_path):
    path = write(tmp_path, 'database_url = "postgresql+psycopg://supervision@db.example:5432/supervision"\n')
    settings = load(["--config", str(path)], {"SUPERVISION_SERVER_DATABASE_PASSWORD": "s3cret/with@odd"})
    assert "s3cret" not in settings.describe()
    assert "s3cret" not in settings.display_url()
    assert settings.url_without_password() == "postgresql+psycopg://supervision@db.example:5432/supervision"
    from sqlalchemy.engine import make_url

    url = make_url(settings.engine_url)
    assert url.password == "s3cret/with@odd" and url.host == "db.example"


@pytest.mark.parametrize("text, expected", [
    ("prot = 8443\n", "unknown setting 'prot' (did you mean 'port'?)"),
    ("[server]\nport = 1\n", "unknown setting 'server'"),
    ('port = "8443"\n', "port must be a whole number, not '8443'"),
    ("port = true\n", "port must be a whole number, not True"),
    ("port = 70000\n", "port must be between 1 and 65535, not 70000"),
    ('token_hours = "twelve"\n', "token_hours must be a number, not 'twelve'"),
    ("token_hours = 0\n", "token_hours must be more than 0"),
    ('migrate_on_start = "yes"\n', "migrate_on_start must be true or false, not 'yes'"),
    ('log_level = "loud"\n', "log_level must be one of debug, info, warning, error, critical"),
    ('database_url = "mysql://x@y/z"\n', "database_url must be sqlite:///... or postgresql+psycopg://"),
    ('database_url = "not a url"\n', "database_url is not a database URL"),
    ('host = ""\n', "host is empty"),
    ("host = [1, 2]\n", "host must be a string, not list"),
    ("port = \n", "is not valid TOML"),
])
def test_a_bad_file_is_refused_naming_the_key_and_the_file(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(config.ConfigError) as caught:
        load(["--config", str(path)])
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.parametrize("variable, value, expected", [
    ("SUPERVISION_SERVER_PORT", "eighty", "environment variable SUPERVISION_SERVER_PORT: port must be a whole number"),
    ("SUPERVISION_SERVER_MIGRATE_ON_START", "maybe",
     "SUPERVISION_SERVER_MIGRATE_ON_START: migrate_on_start must be true or false"),
    ("SUPERVISION_SERVER_LOG_LEVEL", "loud", "SUPERVISION_SERVER_LOG_LEVEL: log_level must be one of"),
])
def test_a_bad_environment_variable_is_refused_naming_it(variable, value, expected):
    with pytest.raises(config.ConfigError, match=expected):
        load([], {variable: value})


def test_a_missing_named_file_is_an_error_not_a_silent_default(tmp_path):
    with pytest.raises(config.ConfigError, match="does not exist"):
        load(["--config", str(tmp_path / "nowhere.toml")])


def test_tls_files_go_together(tmp_path):
    path = write(tmp_path, 'ssl_certfile = "/etc/ssl/chain.pem"\n')
    with pytest.raises(config.ConfigError, match="ssl_certfile and ssl_keyfile go together"):
        load(["--config", str(path)])


def test_the_example_file_is_valid_and_equals_the_defaults_where_it_sets_them():
    example = REPO / "packaging" / "server" / "server.toml.example"
    settings = load(["--config", str(example)])
    for name, source in settings.sources.items():
        if source != "default" and name != "database_url" and name not in ("log_file", "ca_passphrase_file"):
            assert settings.values[name] == config.SETTINGS[name].default, name
    assert settings.url_without_password() == settings.database_url  # no password in the file


# --- the real command ------------------------------------------------------------------

def test_the_command_refuses_a_bad_file_in_words_with_exit_2(tmp_path):
    path = write(tmp_path, "prot = 8443\n")
    result = run_cli("--config", str(path), "migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"configuration error: {path}: unknown setting 'prot' (did you mean 'port'?)" in result.stderr
    assert list(tmp_path.iterdir()) == [path]  # nothing was created


def test_check_config_shows_sources_and_hides_the_password(tmp_path):
    path = write(tmp_path, 'database_url = "postgresql+psycopg://supervision@127.0.0.1:5432/sv"\nport = 9000\n')
    env = {"SUPERVISION_SERVER_CONFIG": str(path), "SUPERVISION_SERVER_DATABASE_PASSWORD": "hunter2-secret",
           "SUPERVISION_SERVER_HOST": "0.0.0.0"}
    result = run_cli("--log-level", "DEBUG", "check-config", env=env)
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert f"port = 9000    [file {path}]" in result.stdout
    assert "host = 0.0.0.0    [environment SUPERVISION_SERVER_HOST]" in result.stdout
    assert "log_level = debug    [flag --log-level]" in result.stdout
    assert "database password: set" in result.stdout
    got = run_cli("check-config", "--get", "database_url", env=env)
    assert got.stdout.strip() == "postgresql+psycopg://supervision@127.0.0.1:5432/sv"
    assert run_cli("check-config", "--get", "port", env=env).stdout.strip() == "9000"


def test_settings_from_the_file_reach_the_server(tmp_path):
    """``migrate`` with the database named only by the file, then ``--no-migrate`` refuses an
    empty database in words and serves one at head (checked by ``migrate_on_start`` off)."""
    database = tmp_path / "server.db"
    path = write(tmp_path, f'database_url = "sqlite:///{database}"\nmigrate_on_start = false\n')
    empty = run_cli("--config", str(path), "revoke-tokens", "nobody", cwd=tmp_path)
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert "run `supervision-server migrate` first" in empty.stderr
    migrated = run_cli("--config", str(path), "migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert database.is_file()
    after = run_cli("--config", str(path), "revoke-tokens", "nobody", cwd=tmp_path)
    assert "run `supervision-server migrate`" not in after.stderr
    assert after.returncode == 1 and "nobody" in after.stderr  # an unknown user, said in words


def test_a_world_readable_file_holding_the_password_is_warned_about(tmp_path):
    database_url = "postgresql+psycopg://supervision:inline-secret@127.0.0.1:1/none"
    path = write(tmp_path, f'database_url = "{database_url}"\n')
    path.chmod(0o644)
    result = run_cli("--config", str(path), "migrate", cwd=tmp_path)
    assert "everyone on this machine may read it" in result.stderr
    assert "inline-secret" not in result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in result.stderr  # port 1: nothing there
    assert "could not be used" in result.stderr


@pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("pg_restore"),
                    reason="needs PostgreSQL's pg_dump and pg_restore")
def test_backup_and_restore_scripts_find_the_database_through_the_config_file(tmp_path):
    """A server.env with only the password, the URL in server.toml: the scripts ask the
    server's own loader (`check-config --get database_url`) and pass the password in the
    environment."""
    from tests.sync.harness import create_database

    url, drop = create_database("postgresql", tmp_path)
    try:
        toml = write(tmp_path, f'database_url = "{url}"\n')
        env_file = tmp_path / "server.env"
        env_file.write_text(f"SUPERVISION_BACKUP_DIR={tmp_path / 'backups'}\n"
                            "SUPERVISION_SERVER_DATABASE_PASSWORD=unused-with-trust-auth\n"
                            f"SUPERVISION_SERVER_CONFIG={toml}\n"
                            f"SUPERVISION_SERVER_BIN={Path(sys.executable).parent / 'supervision-server'}\n")
        assert run_cli("--config", str(toml), "migrate", cwd=tmp_path).returncode == 0
        scripts = REPO / "packaging" / "server"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
        backup = subprocess.run(["bash", str(scripts / "backup_server_db.sh"), str(env_file)],
                                env=clean, capture_output=True, text=True, timeout=120)
        assert backup.returncode == 0, backup.stderr
        dumps = list((tmp_path / "backups").glob("supervision-server-*.dump"))
        assert len(dumps) == 1
        restore = subprocess.run(["bash", str(scripts / "restore_server_db.sh"), str(dumps[0]),
                                  str(env_file), "--yes"],
                                 env=clean, capture_output=True, text=True, timeout=120)
        assert restore.returncode == 0, restore.stderr
        assert "unused-with-trust-auth" not in backup.stdout + backup.stderr + restore.stdout + restore.stderr
    finally:
        drop()
