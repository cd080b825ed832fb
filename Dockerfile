# The portal's one image: web (gunicorn), worker and beat (celery) all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=absher.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-noto-core libgomp1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt requirements-face.txt ./
RUN pip install --upgrade pip "setuptools<81" wheel \
    && pip install -r requirements.txt \
    && pip install --no-deps -r requirements-face.txt
COPY . .
# Build-time only values so collectstatic/compilemessages can import the settings.
RUN SECRET_KEY=build-only SADAD_WEBHOOK_SECRET=build-only python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build-only SADAD_WEBHOOK_SECRET=build-only python manage.py collectstatic --noinput -v 0
RUN useradd --create-home --uid 1000 absher && mkdir -p /data/private /data/media && chown -R absher /data
USER absher
ENV PRIVATE_MEDIA_ROOT=/data/private MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "absher.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
