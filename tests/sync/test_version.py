from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from supervision_app.sync.protocol import PROTOCOL_VERSION
from supervision_app.sync.server.app import create_app
from supervision_app.version import __version__


def test_server_reports_the_one_version_number():
    client = TestClient(create_app(create_engine("sqlite://")))
    for path in ("/version", "/v1/version"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.json() == {"version": __version__, "protocol": PROTOCOL_VERSION}
    assert client.get("/openapi.json").json()["info"]["version"] == __version__
