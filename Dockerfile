# Plataforma Live: one eventlet process per container (scale with replicas + Redis).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000

WORKDIR /app
RUN useradd --create-home --uid 10001 plataforma

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY plataforma ./plataforma
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY wsgi.py ./
RUN mkdir -p /app/instance && chown plataforma /app/instance

USER plataforma
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/health', timeout=2)"

# Migrations run once per deploy (see docker-compose.yml's `migrate` service);
# the server itself never changes the schema.
CMD ["python", "wsgi.py"]
