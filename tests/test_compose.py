"""compose.yaml without Docker: what `docker compose config` would check (YAML, variable
interpolation, the Compose Specification's JSON schema, references between services and
volumes), and what this deployment needs (two bot replicas in webhook mode behind a
reverse proxy from an official image, PostgreSQL, Redis, settings the bot knows)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}; $$ is a literal $.
VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)")
# Set in .env by the operator (see the README); everything else needs a default.
FROM_ENV_FILE = {"BOT_DOMAIN"}


def interpolate(value: Any, environment: dict[str, str]) -> Any:
    """Compose's variable substitution, over every string of the file."""
    if isinstance(value, dict):
        return {key: interpolate(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environment) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, default = match.group(2), match.group(3)
        if name in environment and (environment[name] or operator != ":-"):
            return environment[name]
        if operator in (":-", "-"):
            return default
        raise AssertionError(f"${{{name}}} has no default and is not set")

    return VARIABLE.sub(substitute, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "compose.yaml").read_text())  # merge keys (<<) resolved
    return interpolate(raw, {name: "bot.example.org" for name in FROM_ENV_FILE})


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    validate = fastjsonschema.compile(json.loads(SCHEMA.read_text()))
    validate(compose)  # raises JsonSchemaValueException naming the wrong field


def test_references_resolve(compose: dict[str, Any]) -> None:
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared_volumes, f"{name} uses undeclared volume {source}"
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").exists()


def bots(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service and service.get("image", "").startswith("buddybot")
    }


def test_two_bot_replicas_in_webhook_mode_with_postgresql_and_redis(
    compose: dict[str, Any],
) -> None:
    replicas = bots(compose)
    assert len(replicas) >= 2
    known = {name.upper() for name in Settings.model_fields}
    for name, service in replicas.items():
        environment = service["environment"]
        assert set(environment) <= known, f"{name}: settings the bot does not know"
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            **{key.lower(): value for key, value in environment.items()},
        )
        assert settings.database_url.startswith("postgresql+asyncpg://")
        assert settings.redis_url is not None
        assert settings.webhook_url == "https://bot.example.org/telegram"
        assert {"postgres", "redis"} <= set(service["depends_on"])
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
    # Each replica has a data folder of its own (the catalogs are compiled into it).
    mounts = [tuple(service.get("volumes") or ()) for service in replicas.values()]
    assert len(set(mounts)) == len(mounts)
    images = {service.get("image", "").split(":")[0] for service in compose["services"].values()}
    assert {"postgres", "redis"} <= images
    assert images & {"caddy", "nginx"}, "a reverse proxy from its official image"


def test_the_proxy_balances_the_webhook_over_every_replica(compose: dict[str, Any]) -> None:
    proxy = next(
        service
        for service in compose["services"].values()
        if service.get("image", "").split(":")[0] in ("caddy", "nginx")
    )
    mounted = next(v.split(":")[0] for v in proxy["volumes"] if v.startswith("./"))
    config = (ROOT / mounted).read_text()
    for name, service in bots(compose).items():
        port = service["environment"]["WEBHOOK_PORT"]
        assert f"{name}:{port}" in config
        path = "/" + service["environment"]["WEBHOOK_URL"].rstrip("/").rsplit("/", 1)[-1]
        assert path in config
    assert "/healthz" in config  # a replica that is not healthy gets no updates
