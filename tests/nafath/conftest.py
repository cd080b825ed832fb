import uuid

import pytest


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    """Each Nafath test counts its own rate limits: the same cache backend (Redis when
    REDIS_URL is set) under a key prefix of its own, so counters left by another test in the
    window (same ID number or address) never decide this one, and nothing is flushed."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"nafath-test-{uuid.uuid4().hex}"}}


@pytest.fixture
def matching_face_engine(settings):
    """The photo engine's scenario double answering MATCH (device activation's selfie), for tests
    that are not about the face match itself."""
    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "match"
