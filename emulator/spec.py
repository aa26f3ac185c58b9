"""The official Bot API description (``data/api.json``) and request validation against it.

The method table is built from the description, so a method or parameter the real
API does not have is rejected, and every value is checked against the declared type:
scalars, arrays and objects (recursively, with the fields of the types table).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from emulator.errors import ApiError, bad_request

ARRAY_PREFIX = "Array of "
SCALAR_TYPES = frozenset({"Integer", "Float", "Boolean", "String"})
_INTEGER_RE = re.compile(r"[+-]?\d+")
# Discriminator values are stated in prose: 'Scope type, must be chat', 'always "emoji"'.
_CONSTANT_RE = re.compile(r'(?:must be|always) [“"]?([a-z_]+)[”"]?')
_DISCRIMINATORS = ("type", "source", "status")

# Parameters Telegram still accepts although the description no longer lists them;
# aiogram sends them when a bot uses them (or its defaults, e.g. link_preview_is_disabled).
_LEGACY_PARAMETERS: dict[str, dict[str, tuple[str, ...]]] = {
    "reply_parameters": {
        "reply_to_message_id": ("Integer",),
        "allow_sending_without_reply": ("Boolean",),
    },
    "link_preview_options": {"disable_web_page_preview": ("Boolean",)},
}
# Telegram's own wording for a missing required parameter, where it has one.
_MISSING_WORDING = {"text": "message text is empty"}
# Fields of InlineKeyboardButton that do not choose what the button does.
_BUTTON_LABEL_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})
_BUTTON_URL_RE = re.compile(r"(https?|tg)://\S+")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A parameter of a method or a field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method with its parameters and return types."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A Bot API type: its fields, or the subtypes it stands for."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    constants: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent as a part of a multipart request."""

    filename: str
    data: bytes = field(repr=False)
    content_type: str = "application/octet-stream"

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


def _field(raw: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=raw["name"],
        types=tuple(raw.get("types", ())),
        required=bool(raw.get("required", False)),
        description=raw.get("description", ""),
    )


def _constants(raw: Mapping[str, Any]) -> dict[str, str]:
    if not raw.get("subtype_of"):
        return {}
    found: dict[str, str] = {}
    for item in raw.get("fields", ()):
        if item["name"] in _DISCRIMINATORS:
            match = _CONSTANT_RE.search(item.get("description", ""))
            if match:
                found[item["name"]] = match.group(1)
    return found


class ApiSpec:
    """The methods and types of the machine-readable Bot API description."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.methods: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            self.methods[name.lower()] = MethodSpec(
                name=name,
                fields={f["name"]: _field(f) for f in method.get("fields", ())},
                returns=tuple(method.get("returns", ())),
            )
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name=name,
                fields={f["name"]: _field(f) for f in item.get("fields", ())},
                subtypes=tuple(item.get("subtypes", ())),
                constants=_constants(item),
            )
            for name, item in raw["types"].items()
        }

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name``; Telegram ignores the case of method names."""
        return self.methods.get(name.lower())


@cache
def load_spec() -> ApiSpec:
    """Load the bundled ``api.json`` once (works from an installed package too)."""
    source = resources.files("emulator") / "data" / "api.json"
    return ApiSpec(json.loads(source.read_text(encoding="utf-8")))


class _Invalid(Exception):
    """A value that does not fit its declared type, found at ``path``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path = path
        self.problem = problem


def _check_inline_button(button: dict[str, Any]) -> None:
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")
    actions = [name for name in button if name not in _BUTTON_LABEL_FIELDS]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of "
            f"{', '.join(sorted(actions))} must be used"
        )
    url = button.get("url")
    if url is not None and not _BUTTON_URL_RE.fullmatch(url):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


# Checks Telegram makes beyond the types, raised at once (not retried as another type).
_SEMANTIC_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "InlineKeyboardButton": _check_inline_button,
}


@dataclass(frozen=True, slots=True)
class RequestParams:
    """The raw parameters of one request.

    ``textual`` names the values that arrived as text (query string, form fields), which
    are parsed the way Telegram parses them; the others came from a JSON body.
    """

    values: dict[str, Any]
    textual: frozenset[str] = frozenset()
    uploads: dict[str, Upload] = field(default_factory=dict)


class RequestValidator:
    """Checks the parameters of a request against the method table and the types table."""

    def __init__(self, spec: ApiSpec) -> None:
        self._spec = spec

    def parameters(self, method: MethodSpec) -> dict[str, FieldSpec]:
        """The parameters a method accepts, including the legacy ones Telegram still takes."""
        accepted = dict(method.fields)
        for modern, legacy in _LEGACY_PARAMETERS.items():
            if modern in method.fields:
                for name, types in legacy.items():
                    accepted.setdefault(name, FieldSpec(name, types, required=False))
        return accepted

    def validate(self, method: MethodSpec, request: RequestParams) -> dict[str, Any]:
        """Return the parameters converted to Python values, or raise a 400 ``ApiError``.

        A JSON ``null`` counts as a parameter that was not sent.
        """
        accepted = self.parameters(method)
        values = {name: value for name, value in request.values.items() if value is not None}
        for name in values:
            if name not in accepted:
                raise bad_request(f"unknown parameter {name}")
        for spec in accepted.values():
            value = values.get(spec.name)
            if spec.required and spec.name not in request.uploads and value in (None, ""):
                raise error_for_missing(spec.name)

        result: dict[str, Any] = {}
        for name, value in values.items():
            result[name] = self._parameter(accepted[name], value, name in request.textual)

        references = set(_attachments(result.values()))
        for name, upload in request.uploads.items():
            if name in references:
                continue
            spec_field = accepted.get(name)
            if spec_field is None:
                raise bad_request(f"unknown parameter {name}")
            if "InputFile" not in spec_field.types:
                raise bad_request(f"parameter {name} can't be a file")
            result[name] = upload
        for name, value in list(result.items()):
            # A top-level "attach://<part>" is the same as sending the part under this name.
            if isinstance(value, str) and value.startswith("attach://"):
                part = value.removeprefix("attach://")
                if "InputFile" in accepted[name].types and part in request.uploads:
                    result[name] = request.uploads[part]
        missing_parts = references - request.uploads.keys()
        if missing_parts:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return result

    def _parameter(self, spec: FieldSpec, value: Any, textual: bool) -> Any:
        try:
            if textual and isinstance(value, str):
                return self._from_text(spec, value)
            return self._any(spec.types, value, spec.name)
        except _Invalid as exc:
            if exc.path == spec.name:
                raise bad_request(f"{spec.name} {exc.problem}") from None
            inner = exc.path.removeprefix(spec.name).lstrip(".")
            raise bad_request(f'can\'t parse {spec.name}: field "{inner}" {exc.problem}') from None

    def _from_text(self, spec: FieldSpec, text: str) -> Any:
        for type_name in spec.types:
            if type_name == "Integer" and _INTEGER_RE.fullmatch(text.strip()):
                return int(text)
            if type_name == "Float":
                try:
                    return float(text)
                except ValueError:
                    continue
            if type_name == "Boolean" and text.strip().lower() in ("true", "1", "false", "0"):
                return text.strip().lower() in ("true", "1")
            if type_name == "String":
                return text
        structured = [t for t in spec.types if t not in SCALAR_TYPES and t != "InputFile"]
        if structured:
            try:
                parsed = json.loads(text)
            except ValueError:
                if spec.name == "reply_markup":
                    raise bad_request("can't parse reply keyboard markup JSON object") from None
                raise bad_request(f"can't parse {spec.name} JSON object") from None
            return self._any(tuple(structured), parsed, spec.name)
        raise _Invalid(spec.name, f"must be {_describe(spec.types)}")

    def _any(self, types: tuple[str, ...], value: Any, path: str) -> Any:
        if len(types) == 1:
            return self._check(types[0], value, path)
        failures: list[tuple[str, _Invalid]] = []
        for type_name in types:
            try:
                return self._check(type_name, value, path)
            except _Invalid as exc:
                failures.append((type_name, exc))
        # Report why the most plausible candidate failed rather than a vague union error.
        for type_name, failure in failures:
            if self._plausible(type_name, value):
                raise failure
        raise _Invalid(path, f"must be {_describe(types)}")

    def _plausible(self, type_name: str, value: Any) -> bool:
        if isinstance(value, str) and type_name not in SCALAR_TYPES:
            try:
                value = json.loads(value)
            except ValueError:
                return False
        if type_name.startswith(ARRAY_PREFIX):
            return isinstance(value, list)
        spec = self._spec.types.get(type_name)
        if spec is None or not isinstance(value, dict):
            return False
        if spec.subtypes:
            return any(self._plausible(sub, value) for sub in spec.subtypes)
        required = all(f.name in value for f in spec.fields.values() if f.required)
        constants = all(value.get(k) == v for k, v in spec.constants.items())
        return required and constants

    def _check(self, type_name: str, value: Any, path: str) -> Any:
        if type_name.startswith(ARRAY_PREFIX):
            if isinstance(value, str):
                # Telegram accepts JSON-serialized arrays and objects in JSON bodies too.
                value = _loads(value, path, "an Array")
            if not isinstance(value, list):
                raise _Invalid(path, "must be an Array")
            inner = type_name.removeprefix(ARRAY_PREFIX)
            return [self._check(inner, item, f"{path}[{i}]") for i, item in enumerate(value)]
        if type_name == "Integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise _Invalid(path, "must be an Integer")
        if type_name == "Float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            raise _Invalid(path, "must be a Float")
        if type_name == "Boolean":
            if isinstance(value, bool):
                return value
            raise _Invalid(path, "must be a Boolean")
        if type_name in ("String", "InputFile"):
            if isinstance(value, str):
                return value
            raise _Invalid(path, "must be a String")
        if type_name == "KeyboardButton" and isinstance(value, str):
            return value  # Telegram still accepts plain strings as reply keyboard buttons
        spec = self._spec.types.get(type_name)
        if spec is None:
            return value
        if isinstance(value, str):
            value = _loads(value, path, "an Object")
        if spec.subtypes:
            return self._any(spec.subtypes, value, path)
        if not isinstance(value, dict):
            raise _Invalid(path, "must be an Object")
        for key in value:
            if key not in spec.fields:
                raise _Invalid(f"{path}.{key}", f"is not a field of {type_name}")
        checked: dict[str, Any] = {}
        for spec_field in spec.fields.values():
            if spec_field.name in value:
                checked[spec_field.name] = self._any(
                    spec_field.types, value[spec_field.name], f"{path}.{spec_field.name}"
                )
            elif spec_field.required:
                raise _Invalid(f"{path}.{spec_field.name}", "is required")
        for key, constant in spec.constants.items():
            if checked.get(key) != constant:
                raise _Invalid(f"{path}.{key}", f'must be "{constant}"')
        semantic_check = _SEMANTIC_CHECKS.get(type_name)
        if semantic_check is not None:
            semantic_check(checked)
        return checked


def _loads(text: str, path: str, expected: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _Invalid(path, f"must be {expected}") from None


def _describe(types: Iterable[str]) -> str:
    return " or ".join(types)


def _attachments(values: Iterable[Any]) -> Iterable[str]:
    """Names of multipart parts referenced as ``attach://<name>`` anywhere in the values."""
    for value in values:
        if isinstance(value, str) and value.startswith("attach://"):
            yield value.removeprefix("attach://")
        elif isinstance(value, dict):
            yield from _attachments(value.values())
        elif isinstance(value, list):
            yield from _attachments(value)


def error_for_missing(name: str) -> ApiError:
    """The answer for a required parameter that was not sent."""
    return bad_request(_MISSING_WORDING.get(name, f"{name} is required"))
