"""Issue 11 item 7: docker-compose's web healthcheck passes under production settings. A
gunicorn with the compose file's environment (production settings, the HTTPS redirect on, a
deployment's own ALLOWED_HOSTS) is started here and the compose healthcheck command, exactly
as written in docker-compose.yml, is run against it."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.absher.test_ops import _rsa_pem

ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _compose_env(tmp_path) -> dict:
    """The web service's environment from docker-compose.yml, with this machine's database and
    Redis in place of the compose hostnames and test secrets for the required ones."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {}
    for key, value in compose["services"]["web"]["environment"].items():
        value = str(value)
        if value.startswith("${") and ":-" in value:  # ${VAR:-default}
            value = value[value.index(":-") + 2 : -1]
        env[key] = value
    env.update(
        SECRET_KEY="x7#Qv9!mZ2@pL5$wR8^tY1&uI4*oP0(aS3)dF6_gH9+jK2=lN5-bV8~cX1",
        SADAD_WEBHOOK_SECRET="prod-sadad-secret",
        BIOMETRIC_KEYS="cHJvZC1iaW9tZXRyaWMta2V5LWZvci10aGUtdGVzdHM=",
        OIDC_RSA_PRIVATE_KEY=_rsa_pem(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
        REDIS_URL=os.environ.get("REDIS_URL", ""),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    assert env["DJANGO_SETTINGS_MODULE"] == "absher.settings.production"
    assert env["SECURE_SSL_REDIRECT"] == "true"
    return env


def _healthcheck_command(port: int) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python"
    return [sys.executable, *[part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in test[2:]]]


@pytest.fixture
def production_server(tmp_path):
    def start(**overrides):
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
        env.update(_compose_env(tmp_path), **overrides)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "absher.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {proc.stdout.read()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return port
            except OSError:
                time.sleep(0.2)
        pytest.fail("gunicorn did not start")

    procs: list[subprocess.Popen] = []
    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def test_compose_healthcheck_passes_against_a_production_settings_server(production_server):
    # A deployment names its own host; the healthcheck still reaches /health/ on 127.0.0.1 over HTTP.
    port = production_server(ALLOWED_HOSTS="portal.example.sa")
    out = subprocess.run(_healthcheck_command(port), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr


def test_other_paths_still_redirect_to_https_and_check_the_host(production_server):
    port = production_server(ALLOWED_HOSTS="portal.example.sa")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "portal.example.sa"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(req, timeout=10)
    assert exc.value.code == 301 and exc.value.headers["Location"].startswith("https://portal.example.sa/")
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(f"http://127.0.0.1:{port}/", timeout=10)  # a host the deployment does not serve
    assert exc.value.code == 400
