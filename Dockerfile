# Slim production image: mirrors scripts/serve.sh (Debian packages for Finnish morphology,
# the project installed into a virtual environment, `init` then uvicorn with workers).
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
CMD ["sh", "-c", "python -m app init && exec python -m app serve --host 0.0.0.0 --port 8000 --workers ${WEB_WORKERS:-4}"]
