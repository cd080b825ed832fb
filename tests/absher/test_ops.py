"""Operations: production settings pass `check --deploy`, the compose file is complete,
and Celery is configured for reliability."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def _rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def test_production_settings_pass_check_deploy(tmp_path):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="absher.settings.production",
        SECRET_KEY="x7#Qv9!mZ2@pL5$wR8^tY1&uI4*oP0(aS3)dF6_gH9+jK2=lN5-bV8~cX1",
        SADAD_WEBHOOK_SECRET="prod-sadad-secret",
        BIOMETRIC_KEYS="cHJvZC1iaW9tZXRyaWMta2V5LWZvci10aGUtdGVzdHM=",
        OIDC_RSA_PRIVATE_KEY=_rsa_pem(),
        ALLOWED_HOSTS="portal.example.sa",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        REDIS_URL="",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite for Playwright, never in deployment
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues (0 silenced)." in out.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="absher.settings.production", DEBUG="false", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}"
    )
    env.pop("SECRET_KEY", None)
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr


def test_compose_file_has_every_service_with_its_command():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert "gunicorn absher.wsgi:application" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["web"]["healthcheck"]["test"][-1].count("/health/") == 1
    assert services["worker"]["command"].startswith("celery -A absher worker")
    assert "-Q default,faces" in services["worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A absher beat")
    for name in ("web", "worker", "beat"):
        s = services[name]
        assert s["build"] == "."
        env = s["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["DJANGO_SETTINGS_MODULE"] == "absher.settings.production"
        assert s["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert s["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "private-data:/data/private" in s["volumes"]  # web writes photos the worker reads
        # Every secret production refuses to start without is passed through, required (":?").
        import re

        production = (ROOT / "absher" / "settings" / "production.py").read_text()
        required = set(re.findall(r'_required\("([A-Z_]+)"\)', production)) | {"BIOMETRIC_KEYS"}
        assert required >= {"SECRET_KEY", "SADAD_WEBHOOK_SECRET", "OIDC_RSA_PRIVATE_KEY"}
        missing = {n for n in required if ":?" not in str(env.get(n, ""))}
        assert missing == set()
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    # The image installs the runtime and face groups from uv.lock with hashes; --no-deps keeps
    # face_recognition from building dlib (the locked dlib-bin wheel provides it).
    assert "uv.lock" in dockerfile and "--require-hashes" in dockerfile and "--no-deps" in dockerfile
    assert "--group face" in dockerfile and "--no-default-groups" in dockerfile


def test_celery_is_configured_for_reliability():
    from absher.celery import app

    c = app.conf
    assert c.task_serializer == "json" and c.accept_content == ["json"] and c.result_serializer == "json"
    assert c.task_acks_late is True
    assert c.task_reject_on_worker_lost is True
    assert c.worker_prefetch_multiplier == 1
    assert c.task_soft_time_limit < c.task_time_limit
    assert c.broker_transport_options["visibility_timeout"] > c.task_time_limit
    assert c.task_default_queue == "default"
    assert app.amqp.router.route({}, "civil_affairs.tasks.photo_check_run")["queue"].name == "faces"
    assert app.amqp.router.route({}, "payments.tasks.payment_fulfil_task")["queue"].name == "default"


def test_work_is_queued_only_after_commit():
    """No module calls .delay()/.apply_async() outside transaction.on_commit (or delay_on_commit)."""
    import re

    offenders = []
    for path in ROOT.glob("*/[!_]*.py"):
        if path.parts[-2] in {"tests", ".venv", "scripts"}:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.(delay|apply_async)\(", line) and "on_commit" not in line and "delay_on_commit" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    for path in ROOT.glob("*/services/*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.(delay|apply_async)\(", line) and "on_commit" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
