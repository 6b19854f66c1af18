# Slim production image: Debian packages for Finnish morphology, the project in a virtual
# environment, uvicorn with workers. The container only serves: migrations and the bundled
# data are a one-off job run once per deployment, never by every replica at start-up:
#   docker run --rm -e DATABASE_URL=… IMAGE python -m app init
# (see docs/deployment.md).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends libvoikko1 voikko-fi \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 polku
WORKDIR /srv/polku
COPY --chown=polku:polku . .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -e . \
    && mkdir -p /srv/polku/var && chown polku:polku /srv/polku/var

USER polku
ENV ENVIRONMENT=production VAR_DIR=/srv/polku/var PATH=/opt/venv/bin:$PATH
VOLUME ["/srv/polku/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Two workers per two cores, as measured (docs/performance.md).
CMD ["sh", "-c", "exec python -m app serve --host 0.0.0.0 --port 8000 --workers ${WEB_WORKERS:-2}"]
