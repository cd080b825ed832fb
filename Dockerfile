# The portal's one image: web (gunicorn), worker and beat (celery) all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=absher.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-noto-core libgomp1 \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The runtime dependencies and the `face` group only (no test or dev tools), exactly as locked
# in uv.lock: uv exports them with their hashes, pip refuses any file whose hash differs.
# --no-deps: the lock is complete, and face_recognition's `dlib` (a source build) is provided
# by the locked dlib-bin wheel. uv is used for the export only and is not kept in the image.
ARG UV_VERSION=0.13.9
COPY pyproject.toml uv.lock ./
RUN pip install "uv==${UV_VERSION}" \
    && uv export --frozen --no-default-groups --group face --no-emit-project --no-header -o /tmp/requirements.lock \
    && pip uninstall -y uv \
    && pip install --require-hashes --no-deps -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock
COPY . .
# Build-time only values so collectstatic/compilemessages can import the settings.
# (WeasyPrint's Pango and HarfBuzz above: the receipts and printouts are rendered from HTML.)
RUN export SECRET_KEY=build-only SADAD_WEBHOOK_SECRET=build-only \
        BIOMETRIC_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
        OIDC_RSA_PRIVATE_KEY="$(python -c 'from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric import rsa; print(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())')" \
    && python manage.py compilemessages --ignore=.venv -v 0 \
    && python manage.py collectstatic --noinput -v 0
RUN useradd --create-home --uid 1000 absher && mkdir -p /data/private /data/media && chown -R absher /data
USER absher
ENV PRIVATE_MEDIA_ROOT=/data/private MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "absher.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
