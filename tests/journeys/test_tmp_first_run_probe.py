import pytest
from tests.journeys import steps
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

def test_probe(deployment, laptops):
    lap = laptops("probe-laptop")
    lap.start()
    steps.first_run_sign_in(lap, deployment.url, "jsmith")
    assert steps.home_shown(lap)
    lap.stop() if hasattr(lap, "stop") else None
