"""The server process reports the one version number the app, the bundle and the PDFs use."""
import httpx

from supervision_app.sync.protocol import PROTOCOL_VERSION
from supervision_app.version import __version__
from tests.sync.harness import ServerProcess


def test_server_reports_the_one_version_number(tmp_path):
    server = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for path in ("/version", "/v1/version"):
                answer = client.get(path)
                assert answer.status_code == 200
                assert answer.json() == {"version": __version__, "protocol": PROTOCOL_VERSION}
            assert client.get("/openapi.json").json()["info"]["version"] == __version__
    finally:
        server.stop()
