"""Load JSON Schemas and validate wire payloads against them; the loader the other catalogues share.

The server's schemas (JSON Schema Draft 2020-12) live next to this module as package data:

* ``wire/<name>.schema.json``: the CometChat wire contract (REST bodies, REST replies, WebSocket
  frames), as measured (docs/wire.md); ``$id`` is
  ``https://ringside.dev/schemas/wire/<name>.schema.json``.
* ``script/script.schema.json``: the scripted-users file (docs/scripted-users.md).

The adapter protocol's schemas live in ``adapter_protocol/schemas/`` and the report's in
``harness/report/schemas/``; each package builds its own :class:`SchemaCatalog` from its folder plus
the wire folder its ``$ref`` point into.

A schema is named by its group and file stem, e.g. ``"wire/call-message"`` or ``"adapter/callback"``.
Every schema of a catalogue is loaded into one :class:`referencing.Registry`, so ``$ref`` between
schemas (by ``$id``) resolves offline. Loading checks each schema with
``Draft202012Validator.check_schema`` (answered first by jsonschema-rs's compiled meta-schema check, see
:func:`_meta_valid`; a schema file read before, unchanged, is not checked again), checks that its ``$id``
matches its file name and that every ``$ref`` resolves; a broken schema raises :class:`SchemaLoadError`
on first use.

Typical use::

    from mockserver import schemas

    problems = schemas.validate("wire/call-message", body)      # [] when valid
    schemas.assert_valid("wire/ws-auth-reply", frame)           # raises SchemaViolation

Problems are reported as :class:`SchemaProblem` with a JSONPath-like ``path`` (``$.data.entities.on``).
For a missing required key the path names the missing key itself
(``$.data.entities.on.entity.sessionid``), and each unexpected key of a closed object gets its own
problem. A failed ``oneOf`` whose branch can be told by a discriminator (a ``const`` on the instance or
one of its direct keys, or the instance's JSON type) is reported as the errors of that branch, so
``{"command": "initiateCall", "params": {"callType": "fax", …}}`` yields a problem at
``$.params.callType`` rather than "not valid under any of the given schemas".
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any, Final

import jsonschema_rs

if TYPE_CHECKING:
    from referencing import Registry

__all__ = [
    "BASE_URI",
    "CATALOG",
    "SCRIPT",
    "WIRE",
    "SchemaCatalog",
    "SchemaLoadError",
    "SchemaProblem",
    "SchemaSource",
    "SchemaViolation",
    "UnknownSchemaError",
    "assert_valid",
    "names",
    "registry",
    "schema",
    "uri",
    "validate",
]

BASE_URI: Final = "https://ringside.dev/schemas/"
"""Every schema's ``$id`` is ``BASE_URI + "<group>/<stem>.schema.json"``."""

DRAFT_URI: Final = "https://json-schema.org/draft/2020-12/schema"
_SUFFIX: Final = ".schema.json"
_MAX_MESSAGE: Final = 400
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*\Z")


class SchemaLoadError(RuntimeError):
    """A schema file is unreadable, not a valid Draft 2020-12 schema, misnamed, or has a dangling $ref."""


class UnknownSchemaError(KeyError):
    """No schema has the given name."""

    def __init__(self, name: str, known: Iterable[str] = ()) -> None:
        super().__init__(name)
        self.name = name
        self.known = list(known)

    def __str__(self) -> str:
        return f"no schema named {self.name!r}; known: {', '.join(self.known)}"


@dataclass(frozen=True)
class SchemaProblem:
    """One way in which an instance violates a schema.

    ``path`` locates the offending value in the instance (``$`` is the root, then ``.key`` or
    ``["odd key"]`` and ``[index]``); ``schema_path`` lists the schema keywords that were followed
    from the schema's root to the failing keyword, joined by ``/``. A ``$ref`` is followed
    transparently: the path goes on inside the referenced schema without naming the ``$ref``
    (``properties/data/…/properties/entity/required`` for ``on.entity`` of a call message).
    """

    path: str
    message: str
    schema_path: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [schema: {self.schema_path}]"


class SchemaViolation(ValueError):
    """Raised by :func:`assert_valid`; the message names the schema and lists every problem, one per line."""

    def __init__(self, name: str, problems: Iterable[SchemaProblem]) -> None:
        self.name = name
        self.problems: tuple[SchemaProblem, ...] = tuple(problems)
        count = len(self.problems)
        header = f"{name}: {count} schema problem{'' if count == 1 else 's'}"
        super().__init__("\n".join([header, *(f"  {problem}" for problem in self.problems)]))


@dataclass(frozen=True)
class SchemaSource:
    """One folder of schemas: ``<group>/<stem>`` names for the ``*.schema.json`` files in ``folder`` of ``package``."""

    group: str
    package: str
    folder: str

    def files(self) -> Traversable:
        """The folder, read as package resources (works from a wheel as from a checkout)."""
        return resources.files(self.package).joinpath(self.folder)


#: The server's own schemas: the CometChat wire contract and the startup script file.
WIRE: Final = SchemaSource("wire", __name__, "wire")
SCRIPT: Final = SchemaSource("script", __name__, "script")


@dataclass(frozen=True)
class _Loaded:
    schemas: Mapping[str, Mapping[str, Any]]
    #: every schema compiled by jsonschema-rs against one registry of them all (compiling is what proves
    #: each ``$ref`` resolves; see :func:`_compile`)
    compiled: Mapping[str, Any]


class SchemaCatalog:
    """Schemas from one or more :class:`SchemaSource` folders, in one registry so ``$ref`` by ``$id``
    resolves across them (an adapter schema may point at a wire schema). Loaded and checked on first use."""

    def __init__(self, *sources: SchemaSource) -> None:
        self.sources = sources
        self._loaded: _Loaded | None = None
        self._validators: dict[str, Any] = {}
        self._registry: Registry[Any] | None = None

    @property
    def groups(self) -> tuple[str, ...]:
        """The group names, in load order."""
        return tuple(source.group for source in self.sources)

    def names(self) -> list[str]:
        """The names of all schemas, sorted (``["adapter/call", …, "wire/ws-pong"]``)."""
        return sorted(self._load().schemas)

    def warm(self) -> None:
        """Load and compile every schema now (a server calls this at start so no request pays for it).

        Loading compiles every schema with jsonschema-rs; jsonschema's validators, which name the problems
        of an invalid instance, are built (and jsonschema imported) when an instance first fails."""
        self._load()

    def uri(self, name: str) -> str:
        """The ``$id`` of the schema called ``name``."""
        self._schema(name)
        return _uri_of(name)

    def schema(self, name: str) -> dict[str, Any]:
        """A deep copy of the schema called ``name`` (safe to modify)."""
        return copy.deepcopy(dict(self._schema(name)))

    def registry(self) -> Registry[Any]:
        """The :class:`referencing.Registry` holding every schema, keyed by ``$id`` (built on first use:
        only jsonschema's detailed walk needs it, so a run whose payloads are all valid never imports it)."""
        if self._registry is None:
            self._registry = _referencing_registry(self._load().schemas)
        return self._registry

    def validate(self, name: str, instance: object) -> list[SchemaProblem]:
        """Validate ``instance`` (decoded JSON) against the schema called ``name``.

        Returns every problem found, sorted by path; an empty list means the instance is valid.
        Raises :class:`UnknownSchemaError` for an unknown name.

        A compiled validator (jsonschema-rs, ~1,000x faster) answers "valid?" first; only an invalid
        instance pays for jsonschema's detailed walk, which names the problems.
        """
        if self._is_valid_fast(name, instance):
            return []
        problems: dict[SchemaProblem, None] = {}
        for error in self._validator(name).iter_errors(instance):
            for leaf in _leaves(error):
                for problem in _problems(leaf):
                    problems.setdefault(problem)
        return sorted(problems, key=lambda p: (p.path, p.schema_path, p.message))

    def is_valid(self, name: str, instance: object) -> bool:
        """Whether ``instance`` is valid against schema ``name`` (no problems named: the compiled check only,
        with jsonschema's verdict for a value the compiled validator cannot read)."""
        return self._is_valid_fast(name, instance) or not self.validate(name, instance)

    def assert_valid(self, name: str, instance: object) -> None:
        """Raise :class:`SchemaViolation` listing every problem if ``instance`` violates schema ``name``."""
        problems = self.validate(name, instance)
        if problems:
            raise SchemaViolation(name, problems)

    def clear(self) -> None:
        """Forget what was loaded (the next use reads the files again)."""
        self._loaded = None
        self._validators.clear()
        self._registry = None

    def _load(self) -> _Loaded:
        if self._loaded is None:
            self._loaded = _load_sources(self.sources)
        return self._loaded

    def _schema(self, name: str) -> Mapping[str, Any]:
        try:
            return self._load().schemas[name]
        except KeyError:
            raise UnknownSchemaError(name, self.names()) from None

    def _is_valid_fast(self, name: str, instance: object) -> bool:
        compiled = self._load().compiled
        try:
            validator = compiled[name]
        except KeyError:
            raise UnknownSchemaError(name, self.names()) from None
        try:
            return bool(validator.is_valid(instance))
        except (ValueError, TypeError, OverflowError):  # a value it cannot read (a tuple, a huge int): ask jsonschema
            return False

    def _validator(self, name: str) -> Any:
        if name not in self._validators:
            from jsonschema import Draft202012Validator  # noqa: PLC0415 (see warm)

            self._validators[name] = Draft202012Validator(self._schema(name), registry=self.registry())
        return self._validators[name]


#: The server's catalogue (wire and script schemas); the module functions below use it.
CATALOG: Final = SchemaCatalog(WIRE, SCRIPT)


def names() -> list[str]:
    """Return the names of the server's schemas, sorted (``["script/script", …, "wire/ws-pong"]``)."""
    return CATALOG.names()


def warm() -> None:
    """Load and compile every server schema now."""
    CATALOG.warm()


def uri(name: str) -> str:
    """Return the ``$id`` of the schema called ``name``."""
    return CATALOG.uri(name)


def schema(name: str) -> dict[str, Any]:
    """Return a deep copy of the schema called ``name`` (safe to modify)."""
    return CATALOG.schema(name)


def registry() -> Registry[Any]:
    """Return the registry holding every server schema, keyed by ``$id``."""
    return CATALOG.registry()


def validate(name: str, instance: object) -> list[SchemaProblem]:
    """Validate ``instance`` against the server schema ``name`` (see :meth:`SchemaCatalog.validate`)."""
    return CATALOG.validate(name, instance)


def assert_valid(name: str, instance: object) -> None:
    """Raise :class:`SchemaViolation` if ``instance`` violates the server schema ``name``."""
    CATALOG.assert_valid(name, instance)


# --- loading -------------------------------------------------------------------------------------


def _load_sources(sources: Iterable[SchemaSource]) -> _Loaded:
    loaded: dict[str, Mapping[str, Any]] = {}
    for source in sources:
        folder = source.files()
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.is_file() and entry.name.endswith(_SUFFIX):
                name = f"{source.group}/{entry.name[: -len(_SUFFIX)]}"
                loaded[name] = _load_one(name, entry)
    return _Loaded(schemas=loaded, compiled=_compile(loaded))


def _compile(loaded: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Every schema compiled by jsonschema-rs against one registry of them all (it resolves every ``$ref``
    while compiling, and never fetches: an unknown document fails). When that fails, ``referencing`` (the
    library jsonschema resolves with) names each ``$ref`` that does not resolve; a failure it cannot
    explain is reported as it is."""
    try:
        fast = jsonschema_rs.Registry([(_uri_of(n), dict(s)) for n, s in loaded.items()])
        return {
            name: jsonschema_rs.validator_for(dict(contents), registry=fast, validate_formats=False)
            for name, contents in loaded.items()
        }
    except (ValueError, jsonschema_rs.ReferencingError) as exc:  # jsonschema_rs.ValidationError is a ValueError
        _check_refs(loaded, _referencing_registry(loaded))
        raise SchemaLoadError(f"the schemas do not compile: {str(exc).splitlines()[0]}") from exc


def _referencing_registry(loaded: Mapping[str, Mapping[str, Any]]) -> Registry[Any]:
    from referencing import Registry  # noqa: PLC0415 (see SchemaCatalog.registry)
    from referencing.jsonschema import DRAFT202012  # noqa: PLC0415

    reg: Registry[Any] = Registry().with_resources(
        (_uri_of(name), DRAFT202012.create_resource(contents)) for name, contents in loaded.items()
    )
    return reg.crawl()


def _uri_of(name: str) -> str:
    return f"{BASE_URI}{name}{_SUFFIX}"


#: Schema files already read and checked, by (name, text): the wire schemas are loaded by every catalogue
#: that points into them (the server's, the adapter protocol's), and checking a schema is the costly part
#: of loading one. Shared read-only: :meth:`SchemaCatalog.schema` hands out copies.
_CHECKED: dict[tuple[str, str], Mapping[str, Any]] = {}
#: Formats the Draft 2020-12 meta-schema declares (``$id``, ``$ref``: uri, uri-reference; ``pattern`` and
#: ``patternProperties``' names: regex). jsonschema's ``check_schema`` asserts those its format checker
#: knows; the compiled meta-check asserts none, so :func:`_meta_valid` checks regexes itself and, where
#: jsonschema would also check URIs (rfc3987 installed), leaves every schema to ``check_schema``.
_URI_FORMATS = frozenset({"uri", "uri-reference", "iri", "iri-reference"})


#: The libraries with which jsonschema checks URI formats (without any of them it checks none).
_URI_CHECKERS = ("rfc3987", "rfc3986_validator", "rfc3987_syntax")


@functools.cache
def _fast_meta_check() -> bool:
    """Whether :func:`_meta_valid` may answer for ``check_schema`` (jsonschema checks no URI format here);
    jsonschema itself is asked only where one of its URI-checking libraries is installed."""
    if not any(importlib.util.find_spec(module) for module in _URI_CHECKERS):
        return True
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (see SchemaCatalog.registry)

    return not (_URI_FORMATS & set(Draft202012Validator.FORMAT_CHECKER.checkers))


def _load_one(name: str, entry: Traversable) -> Mapping[str, Any]:
    try:
        text = entry.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaLoadError(f"{name}: cannot read {entry.name}: {exc}") from exc
    known = _CHECKED.get((name, text))
    if known is not None:
        return known
    try:
        contents = json.loads(text)
    except ValueError as exc:
        raise SchemaLoadError(f"{name}: cannot read {entry.name}: {exc}") from exc
    if not isinstance(contents, dict):
        raise SchemaLoadError(f"{name}: the schema is not a JSON object")
    if contents.get("$schema") != DRAFT_URI:
        raise SchemaLoadError(f"{name}: $schema must be {DRAFT_URI!r}, not {contents.get('$schema')!r}")
    if contents.get("$id") != _uri_of(name):
        raise SchemaLoadError(f"{name}: $id must be {_uri_of(name)!r}, not {contents.get('$id')!r}")
    if not _meta_valid(contents):
        from jsonschema import Draft202012Validator  # noqa: PLC0415 (see SchemaCatalog.warm)
        from jsonschema.exceptions import SchemaError  # noqa: PLC0415

        try:
            Draft202012Validator.check_schema(contents)
        except SchemaError as exc:
            raise SchemaLoadError(f"{name}: not a valid Draft 2020-12 schema: {exc.message}") from exc
    _CHECKED[(name, text)] = contents
    return contents


def _meta_valid(contents: Mapping[str, Any]) -> bool:
    """True only if ``Draft202012Validator.check_schema`` would accept ``contents`` (False: ask it, for the
    verdict and its message): the compiled meta-schema check (~100x faster), plus every ``pattern`` and
    ``patternProperties`` name compiled by Python's ``re``, as jsonschema's ``regex`` format does."""
    if not _fast_meta_check():
        return False
    try:
        if not jsonschema_rs.meta.is_valid(dict(contents)):
            return False
        for pattern in _patterns(contents):
            re.compile(pattern)
    except (re.error, jsonschema_rs.ReferencingError, ValueError, TypeError, OverflowError):  # an unknown $schema…
        return False
    return True


def _patterns(node: object) -> Iterator[str]:
    """Every ``pattern`` string and ``patternProperties`` key in ``node`` (also inside ``const``, ``enum`` and
    the like, where they are not patterns: a stray one only sends the schema to the slow check)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from (k for k in value if isinstance(k, str))
            yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _check_refs(loaded: Mapping[str, Mapping[str, Any]], reg: Registry[Any]) -> None:
    from referencing.exceptions import Unresolvable  # noqa: PLC0415 (see SchemaCatalog.registry)

    dangling: list[str] = []
    for name, contents in loaded.items():
        resolver = reg.resolver(base_uri=_uri_of(name))
        for ref in _refs(contents):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                dangling.append(f"{name}: $ref {ref!r} does not resolve")
    if dangling:
        raise SchemaLoadError("; ".join(dangling))


# --- error reporting -----------------------------------------------------------------------------
# jsonschema is untyped here, so ValidationError objects are handled as Any.


def _leaves(error: Any) -> Iterator[Any]:
    """Yield ``error``, or for a ``oneOf`` with one identifiable branch, that branch's errors."""
    if error.validator == "oneOf" and error.context:
        branch = _chosen_branch(error)
        if branch is not None:
            for sub in branch:
                yield from _leaves(sub)
            return
    yield error


def _chosen_branch(error: Any) -> list[Any] | None:
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    for rule in (_ruled_out_by_discriminator, _ruled_out_by_type):
        alive = [errors for errors in branches.values() if not any(rule(sub) for sub in errors)]
        if len(alive) == 1:
            return alive[0]
    return None


def _ruled_out_by_type(sub: Any) -> bool:
    return bool(sub.validator == "type" and len(sub.relative_path) == 0)


def _ruled_out_by_discriminator(sub: Any) -> bool:
    return _ruled_out_by_type(sub) or bool(sub.validator == "const" and len(sub.relative_path) <= 1)


def _problems(error: Any) -> Iterator[SchemaProblem]:
    path = list(error.absolute_path)
    schema_path = "/".join(str(part) for part in error.absolute_schema_path)
    message = str(error.message)
    instance = error.instance
    if error.validator == "not" and error.validator_value == {} and path:
        message = f"{path[-1]!r} is not allowed here"
    elif error.validator == "required" and isinstance(instance, dict):
        missing = [
            key
            for key in error.validator_value
            if isinstance(key, str) and key not in instance and message == f"{key!r} is a required property"
        ]
        if missing:
            path.append(missing[0])
    elif error.validator == "additionalProperties" and error.validator_value is False:
        unexpected = _unexpected_keys(instance, error.schema)
        if unexpected:
            for key in unexpected:
                yield SchemaProblem(
                    _render_path([*path, key]),
                    f"unexpected property {key!r} (additional properties are not allowed)",
                    schema_path,
                )
            return
    yield SchemaProblem(_render_path(path), _shorten(message), schema_path)


def _unexpected_keys(instance: object, schema_node: object) -> list[str]:
    if not isinstance(instance, dict) or not isinstance(schema_node, dict):
        return []
    declared = schema_node.get("properties", {})
    patterns = schema_node.get("patternProperties", {})
    return [key for key in instance if key not in declared and not any(re.search(pattern, key) for pattern in patterns)]


def _render_path(parts: Iterable[object]) -> str:
    rendered = ["$"]
    for part in parts:
        if isinstance(part, int):
            rendered.append(f"[{part}]")
        elif isinstance(part, str) and _IDENTIFIER.match(part):
            rendered.append(f".{part}")
        else:
            rendered.append(f"[{json.dumps(part)}]")
    return "".join(rendered)


def _shorten(message: str) -> str:
    if len(message) <= _MAX_MESSAGE:
        return message
    return message[: _MAX_MESSAGE - 1] + "…"
