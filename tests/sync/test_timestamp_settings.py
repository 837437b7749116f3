"""The time-stamping settings (issue 20) read like every other server setting, and values
that cannot work are refused at start with the reason."""
from __future__ import annotations

import pytest

from supervision_app.sync.server import config


def test_an_external_tsa_and_a_renewal_margin_are_read_from_the_file(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text('timestamp_url = "https://tsa.example.net/tsr"\ntimestamp_policy = "1.2.826.0.1.99.1"\n'
                    "timestamp_renewal_days = 200\n", encoding="utf-8")
    settings = config.load(environ={config.CONFIG_ENV: str(path)})
    assert settings.timestamp_url == "https://tsa.example.net/tsr"
    assert settings.timestamp_policy == "1.2.826.0.1.99.1"
    assert settings.timestamp_renewal_days == 200
    defaults = config.load(environ={})
    assert defaults.timestamp_url is None and defaults.timestamp_renewal_days == 365


@pytest.mark.parametrize("variable, value, words", [
    ("SUPERVISION_SERVER_TIMESTAMP_URL", "tsa.example.net", "http(s)://"),
    ("SUPERVISION_SERVER_TIMESTAMP_POLICY", "our policy", "OID"),
    ("SUPERVISION_SERVER_TIMESTAMP_RENEWAL_DAYS", "0", "more than 0"),
])
def test_settings_that_cannot_work_are_refused(variable, value, words):
    with pytest.raises(config.ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        config.load(environ={variable: value})
