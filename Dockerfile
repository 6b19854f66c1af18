# Slim production image: Debian packages for Finnish morphology, the dependencies from the
# hash-pinned lock file, the project as a built wheel (not an editable checkout), uvicorn
# with workers. The container only serves: migrations and the bundled data are a one-off job
# run once per deployment, never by every replica at start-up:
#   docker run --rm --env-file polku.env IMAGE python -m app migrate
# with the nodes' own settings (DATABASE_URL, SECRET_KEY, BASE_URL…; see docs/deployment.md). There is no Docker in CI: tests/test_image_recipe.py reads this
# file and carries out its last stage on the test machine (what it cannot check is listed
# in docs/deployment.md, "What CI checks of the image").

# Stage 1: build the wheel (templates, static files, content, translations, migrations).
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# Stage 2: the image that runs.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends libvoikko1 voikko-fi \
    && rm -rf /var/lib/apt/lists/*

# No home folder: nothing but /srv/polku/var is the user's to write.
RUN useradd --no-create-home --home-dir /nonexistent --uid 10001 polku
# Dependencies first, from the lock file with hashes: a code change keeps this layer.
COPY requirements/runtime.txt /tmp/runtime.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/runtime.txt \
    && rm /tmp/runtime.txt
# The code belongs to root; the app user may write only its var folder.
COPY --from=wheel /dist/ /tmp/dist/
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps /tmp/dist/*.whl && rm -rf /tmp/dist \
    && mkdir -p /srv/polku/var && chown polku:polku /srv/polku/var
WORKDIR /srv/polku

USER polku
ENV ENVIRONMENT=production VAR_DIR=/srv/polku/var PATH=/opt/venv/bin:$PATH
VOLUME ["/srv/polku/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Two workers per two cores, as measured (docs/performance.md).
CMD ["sh", "-c", "exec python -m app serve --host 0.0.0.0 --port 8000 --workers ${WEB_WORKERS:-2}"]
