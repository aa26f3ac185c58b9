# syntax=docker/dockerfile:1
# Build stage: a wheel of the project with its dependencies, catalogs compiled.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY handlers ./handlers
COPY delivery ./delivery
COPY domain ./domain
COPY storage ./storage
COPY emulator ./emulator
COPY locales ./locales
RUN python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock \
 && /venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
 && /venv/bin/python -c "from pathlib import Path; from handlers.i18n import compile_catalogs; compile_catalogs(Path('/venv/locales'))"

# Runtime stage: only the virtual environment, run as an unprivileged user.
FROM python:3.11-slim
# Speech for the 🔊 button, offline (no network, no model): espeak-ng reads a message,
# opusenc makes it the OGG/Opus voice note Telegram plays.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng opus-tools \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 buddybot
COPY --from=build /venv /venv
ENV PATH="/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data
RUN mkdir -p /data/locales && cp -r /venv/locales/. /data/locales/ && chown -R buddybot /data
USER buddybot
WORKDIR /home/buddybot
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
