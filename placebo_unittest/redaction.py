"""Redaction: keep secrets and account ids out of recordings.

A *redactor* is a callable ``(service, operation, data) -> data`` that takes a
response dict and returns it with some values replaced. ``service`` is a
botocore service name (``"sts"``, ``"cognito-identity"``) or the ``<service>``
part of a recording's file name (``"api.ecr"``, ``"portal.sso"``);
``operation`` is the API name, ``"AssumeRole"`` or ``"assume_role"``. A
redactor may also have a ``request(service, operation, params) -> params``
method applying the same rules to the request parameters a caller passed
(botocore's ``{"SecretId": ..., "SecretString": ...}``). Apply a list of them
with :func:`redact_response` and :func:`redact_request`.

Every built-in redactor

- never mutates its argument: it returns a new dict, which may share the
  sub-trees it did not change with the input;
- is idempotent (redacting twice gives what redacting once gave) and
  deterministic (the same input always gives the same output, so recording
  again writes the same files);
- replaces a secret by a fixed placeholder of the same type and a plausible
  shape (see :func:`placeholder`): a string stays a string, bytes stay bytes,
  a base64 ``user:password`` token stays one, a number stays a number. A
  placeholder is a constant: it can't contain the secret or be derived from it.

The built-ins, by name (:data:`BUILTIN_REDACTORS`):

``sensitive_members``
    Driven by botocore's model: every value whose shape carries the
    ``sensitive`` trait and that :mod:`placebo_unittest.sensitivity` classes
    as a *secret*, at any depth of the operation's output shape (or of its
    input shape, for requests), is replaced. This covers most secrets AWS
    hands out or accepts, service by service, without a list kept here,
    and keeps what the trait also marks but tests assert on: payloads,
    model output, messages, user names and attributes.
``personal_data``
    The same walk for the other class: content and personal data (Lambda
    payloads, Bedrock bodies, Cognito users, emails, addresses). Off by
    default; add it for suites that must keep personal data out of git.
``credentials``
    A short table, :data:`CREDENTIAL_MEMBERS`, for the credentials the models
    leave unmarked (every STS ``SessionToken``, ECR's authorization tokens),
    plus the credential-issuing calls whose secrets the models do mark, so
    that this redactor alone still covers them.
``response_metadata``
    Keeps only ``HTTPStatusCode`` of a response's ``ResponseMetadata``. Not a
    secret, but request ids and dates change on every run; off by default so
    placebo-compatible recordings keep what placebo keeps.

:func:`default_redactors` returns a new list of ``sensitive_members`` and
``credentials``, plus the built-ins ``$PLACEBO_REDACT`` names, for the caller
to drop from or add to.

Account ids are anonymised by :class:`placebo_unittest.accounts.AccountIdAnonymizer`,
a redactor too, but with state, so not in the registry.

Models
------

Service models come from one botocore session, created on first use, and are
cached for the life of the process (:func:`get_service_model`,
:func:`get_operation_model`). A service or operation botocore doesn't know
makes the model-driven redactor return its input unchanged, rather than fail:
there is nothing it could look up.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal
import functools
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from botocore.model import OperationModel, ServiceModel, Shape
from botocore.response import StreamingBody

from .config import read_env
from .errors import ConfigurationError, RedactionError, UnknownOperationError
from .models import candidate_services, resolve
from .sensitivity import Sensitivity, classify
from .sensitivity import classed_whole as _classed_whole

__all__ = [
    "RedactionError",
    "Redactor",
    "RequestRedactor",
    "Kind",
    "placeholder",
    "TEXT_PLACEHOLDER",
    "BYTES_PLACEHOLDER",
    "ACCESS_KEY_SECRET_PLACEHOLDER",
    "SESSION_TOKEN_PLACEHOLDER",
    "SensitiveMembers",
    "Credentials",
    "CredentialMember",
    "CREDENTIAL_MEMBERS",
    "ResponseMetadata",
    "BUILTIN_REDACTORS",
    "DEFAULT_REDACTORS",
    "default_redactors",
    "default_names",
    "Defaults",
    "redactors_named",
    "redactor_name",
    "redact_response",
    "redact_request",
    "get_service_model",
    "get_operation_model",
]

Data = dict[str, Any]


class Redactor(Protocol):
    """Anything called as ``redactor(service, operation, data)`` that returns the redacted data."""

    def __call__(self, service: str, operation: str, data: Data) -> Data: ...


class RequestRedactor(Redactor, Protocol):
    """A redactor that also redacts the parameters of a request."""

    def request(self, service: str, operation: str, params: Data) -> Data: ...


# --------------------------------------------------------------------------
# Placeholders

class Kind(str, Enum):
    """What a secret looks like, which decides the shape of its placeholder."""

    TEXT = "text"  #: a password, a secret string: ``"REDACTED"``
    ACCESS_KEY_SECRET = "access_key_secret"  #: 40 characters, like a secret access key
    SESSION_TOKEN = "session_token"  #: a long token
    BASIC_AUTH_TOKEN = "basic_auth_token"  #: base64 of ``user:password``; the user is kept


TEXT_PLACEHOLDER = "REDACTED"
BYTES_PLACEHOLDER = b"REDACTED"
ACCESS_KEY_SECRET_PLACEHOLDER = "REDACTED" * 5
SESSION_TOKEN_PLACEHOLDER = "REDACTED" * 16
_STRINGS = {
    Kind.TEXT: TEXT_PLACEHOLDER,
    Kind.ACCESS_KEY_SECRET: ACCESS_KEY_SECRET_PLACEHOLDER,
    Kind.SESSION_TOKEN: SESSION_TOKEN_PLACEHOLDER,
}
_BLOB_TEXT = base64.b64encode(BYTES_PLACEHOLDER).decode("ascii")


def _kind_for(name: str, default: Kind = Kind.TEXT) -> Kind:
    """The kind of secret a member called ``name`` holds."""
    lowered = name.lower()
    if lowered.endswith("sessiontoken"):
        return Kind.SESSION_TOKEN
    if lowered.endswith(("secretaccesskey", "secretkey")):
        return Kind.ACCESS_KEY_SECRET
    return default


def placeholder(value: Any, kind: Kind = Kind.TEXT, *, blob: bool = False) -> Any:
    """The stand-in for the secret scalar ``value``: same type, plausible shape.

    ``blob`` says the model types the value as bytes, so a string there is
    base64 (as in files placebo wrote) and gets base64 of the bytes
    placeholder. A JSON object or array held in a string (a Secrets Manager
    secret) keeps its keys and nesting, with each leaf replaced, so code that
    parses it still can. Raises :class:`RedactionError` for a type it has no
    placeholder for, rather than leave the secret in place.
    """
    kind = Kind(kind)
    if value is None:
        return None
    if isinstance(value, str):
        if kind is Kind.BASIC_AUTH_TOKEN:
            return _basic_auth_placeholder(value)
        if blob:
            return _BLOB_TEXT
        if kind is Kind.TEXT:
            return _text_placeholder(value)
        return _STRINGS[kind]
    if isinstance(value, (bytes, bytearray)):
        if kind is Kind.BASIC_AUTH_TOKEN:
            return _basic_auth_placeholder(bytes(value).decode("latin-1")).encode("ascii")
        return type(value)(BYTES_PLACEHOLDER)
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, decimal.Decimal)):
        return type(value)(0)
    if isinstance(value, _dt.datetime):
        return _dt.datetime(1970, 1, 1, tzinfo=value.tzinfo)
    if isinstance(value, _dt.date):
        return _dt.date(1970, 1, 1)
    if isinstance(value, StreamingBody):
        # The original is left unread: whoever holds it can still read it.
        return StreamingBody(io.BytesIO(BYTES_PLACEHOLDER), len(BYTES_PLACEHOLDER))
    if callable(getattr(value, "read", None)):  # a file passed as a request parameter
        return io.BytesIO(BYTES_PLACEHOLDER)
    raise RedactionError(
        f"Can't redact a {type(value).__module__}.{type(value).__qualname__}: placebo_unittest has no placeholder "
        "of that type, and won't record the secret it may hold."
    )


def _text_placeholder(value: str) -> str:
    if value.lstrip()[:1] in ("{", "["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            return json.dumps(_conceal(parsed, Kind.TEXT), ensure_ascii=False)
    return TEXT_PLACEHOLDER


def _basic_auth_placeholder(token: str) -> str:
    """base64 of ``user:<placeholder>``, keeping the user (ECR's is ``AWS``)."""
    try:
        decoded = base64.b64decode(token.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        decoded = ""
    user, sep, _ = decoded.partition(":")
    plain = user + ":" + TEXT_PLACEHOLDER if sep else TEXT_PLACEHOLDER
    return base64.b64encode(plain.encode("utf-8")).decode("ascii")


def _conceal(value: Any, kind: Kind, shape: Shape | None = None) -> Any:
    """``value`` with every scalar in it replaced by its placeholder.

    Dict keys are kept: they are member names or map keys, not the secret.
    Members named like a secret access key or a session token get that kind.
    """
    if isinstance(value, dict):
        return _map_dict(value, lambda key, child: _conceal(
            child,
            _kind_for(key, kind) if _is(shape, "structure", None) else kind,
            _child_shape(shape, key),
        ))
    if isinstance(value, (list, tuple)):
        item = shape.member if shape is not None and shape.type_name == "list" else None
        return _map_seq(value, lambda child: _conceal(child, kind, item))
    return placeholder(value, kind, blob=_is(shape, "blob"))


def _is(shape: Shape | None, *type_names: str | None) -> bool:
    return (shape.type_name if shape is not None else None) in type_names


def _child_shape(shape: Shape | None, key: str) -> Shape | None:
    if shape is None:
        return None
    if shape.type_name == "structure":
        return shape.members.get(key)
    if shape.type_name == "map":
        return shape.value
    return None


def _map_dict(value: dict[Any, Any], fn: Callable[[Any, Any], Any]) -> dict[Any, Any]:
    """``value`` with ``fn(key, child)`` for each child; ``value`` itself if none changed."""
    changed = {}
    for key, child in value.items():
        new = fn(key, child)
        if new is not child:
            changed[key] = new
    if not changed:
        return value
    return {key: changed.get(key, child) for key, child in value.items()}


def _map_seq(value: Sequence[Any], fn: Callable[[Any], Any]) -> Any:
    """Like :func:`_map_dict`, for a list or tuple (whose type is kept)."""
    new = [fn(child) for child in value]
    if all(a is b for a, b in zip(new, value, strict=True)):
        return value
    return tuple(new) if isinstance(value, tuple) else new


# --------------------------------------------------------------------------
# botocore models, cached

def get_service_model(service: str) -> ServiceModel | None:
    """botocore's model of ``service`` (a service name, else an endpoint prefix), or None."""
    candidates = candidate_services(service)
    return candidates[0] if candidates else None


def get_operation_model(service: str, operation: str) -> OperationModel | None:
    """botocore's model of ``operation`` (``"AssumeRole"`` or ``"assume_role"``), or None.

    ``service`` is a botocore service name or a recording's ``<service>``
    (an endpoint prefix). Where a name is both (``sso``: the SSO portal's
    service name and sso-admin's endpoint prefix), the service that has the
    operation wins. An unknown service or operation gives None: there is
    nothing the model can say about it.
    """
    try:
        resolved = resolve(service, operation)
    except UnknownOperationError:
        return None
    return resolved.operation_model if resolved is not None else None


def _canonical(service: str, operation: str) -> tuple[str, str]:
    """``(service name, OperationName)`` as botocore spells them, where it knows them."""
    model = get_operation_model(service, operation)
    if model is None:
        return service, operation
    return model.service_model.service_name, model.name


# --------------------------------------------------------------------------
# The model-driven redactor

class SensitiveMembers:
    """Replaces the values the botocore model marks ``sensitive`` that are of
    the classes ``classes`` (see :mod:`placebo_unittest.sensitivity`).

    The trait may sit on a scalar (``SecretString``), on a structure or on a
    list or map. A sensitive scalar, list or map of scalars is classed as a
    whole, by the name of the member that holds it; inside a sensitive
    structure each member is classed by its own name, so a credentials
    structure loses its ``SecretAccessKey`` and keeps its ``AccessKeyId``.
    What is replaced is replaced leaf by leaf, keeping keys and nesting.

    The built-in ``sensitive_members`` replaces the secrets and keeps
    content and personal data; ``personal_data`` replaces the rest.
    """

    def __init__(self, classes: Iterable[Sensitivity | str] = (Sensitivity.SECRET,),
                 name: str = "sensitive_members", *, keep: Iterable[str] = (), remove: Iterable[str] = ()):
        self.classes = frozenset(_sensitivity(c) for c in classes)
        self.name = name
        #: Members kept or removed whatever their class: ``service:member`` or
        #: ``service:Structure.member`` (``kms:Plaintext``, ``cognito-idp:UserType.Username``).
        self.keep = tuple(_member_spec(spec, "keep") for spec in keep)
        self.remove = tuple(_member_spec(spec, "remove") for spec in remove)

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        model = get_operation_model(service, operation)
        if model is None or model.output_shape is None or not isinstance(data, dict):
            return data
        result: Data = _Walk(model, self).structure(data, model.output_shape, False)
        return result

    def wants(self, service: str, container: str, member: str, shape: Shape) -> bool:
        """Whether the sensitive ``member`` (of the structure ``container``) is replaced."""
        spec = (service, container, member)
        if any(_spec_matches(rule, spec) for rule in self.keep):
            return False
        if any(_spec_matches(rule, spec) for rule in self.remove):
            return True
        return classify(service, container, member, shape.name, shape.type_name).sensitivity in self.classes

    def request(self, service: str, operation: str, params: Data) -> Data:
        model = get_operation_model(service, operation)
        if model is None or model.input_shape is None or not isinstance(params, dict):
            return params
        result: Data = _Walk(model, self).structure(params, model.input_shape, False)
        return result

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


#: Sensitive shapes that hold no secret in some uses: shape name ->
#: (sibling member, the values of it that make the use plain).
PLAIN_WHEN: Mapping[str, tuple[str, frozenset[str]]] = MappingProxyType({
    "PSParameterValue": ("Type", frozenset({"String", "StringList"})),
})


def _plain(structure: dict[Any, Any], shape: Shape) -> bool:
    rule = PLAIN_WHEN.get(shape.name)
    return rule is not None and structure.get(rule[0]) in rule[1]


def _sensitivity(value: Sensitivity | str) -> Sensitivity:
    try:
        return Sensitivity(value)
    except ValueError:
        raise ConfigurationError("classes", value, [s.value for s in Sensitivity]) from None


def _member_spec(spec: str, option: str) -> tuple[str, str | None, str]:
    """``(service, structure or None, member)`` from ``service:[Structure.]member``."""
    service, colon, rest = spec.partition(":")
    container, dot, member = rest.rpartition(".")
    if not colon or not service or not member or (dot and not container):
        raise ConfigurationError(option, spec, (), "Name a member as service:member or "
                                 "service:Structure.member, such as kms:Plaintext or "
                                 "cognito-idp:UserType.Username (botocore's service name).")
    return service, container or None, member


def _spec_matches(rule: tuple[str, str | None, str], spec: tuple[str, str, str]) -> bool:
    return rule[0] == spec[0] and rule[2] == spec[2] and rule[1] in (None, spec[1])


class _Walk:
    """One pass of :class:`SensitiveMembers` over a response or a request."""

    def __init__(self, model: OperationModel, redactor: SensitiveMembers):
        self.service = model.service_model.service_name
        self.redactor = redactor

    def structure(self, value: Any, shape: Shape, inherited: bool) -> Any:
        if shape.type_name != "structure" or not isinstance(value, dict):
            return value
        members = shape.members
        return _map_dict(value, lambda key, child: (
            self.member(child, members[key], key, shape.name, inherited)
            if key in members and not _plain(value, members[key]) else child
        ))

    def member(self, value: Any, shape: Shape, name: str, container: str, inherited: bool) -> Any:
        sensitive = inherited or bool(shape.metadata.get("sensitive"))
        if sensitive and _classed_whole(shape):
            wanted = self.redactor.wants(self.service, container, name, shape)
            return _conceal(value, _kind_for(name), shape) if wanted else value
        if shape.type_name == "structure":
            if shape.serialization.get("eventstream") and isinstance(value, (list, tuple)):
                # A recorded event stream: its events, each {name: members}, as the stream's shape has them.
                return _map_seq(value, lambda event: self.structure(event, shape, sensitive))
            return self.structure(value, shape, sensitive)
        if shape.type_name == "list" and isinstance(value, (list, tuple)):
            item = shape.member
            return _map_seq(value, lambda child: self.member(child, item, name, container, sensitive))
        if shape.type_name == "map" and isinstance(value, dict):
            item = shape.value
            return _map_dict(value, lambda key, child: self.member(child, item, name, container, sensitive))
        return value


# --------------------------------------------------------------------------
# The curated redactor

class CredentialMember(NamedTuple):
    """One row of :data:`CREDENTIAL_MEMBERS`.

    ``path`` is dotted member names; ``name[]`` means every item of the list
    ``name``, and ``**`` any number of levels (``**.SessionToken`` finds a
    ``SessionToken`` member at any depth). ``operation`` may be ``*``.
    """

    service: str
    operation: str
    path: str
    kind: Kind
    marked: bool  # does botocore's model mark it sensitive? (checked by the tests)


#: Credentials found in responses. The unmarked rows are what the models
#: miss; the marked ones let this redactor stand on its own.
CREDENTIAL_MEMBERS: tuple[CredentialMember, ...] = (
    CredentialMember("sts", "*", "**.SessionToken", Kind.SESSION_TOKEN, False),
    CredentialMember("sts", "*", "**.SecretAccessKey", Kind.ACCESS_KEY_SECRET, True),
    CredentialMember("cognito-identity", "GetCredentialsForIdentity",
                     "Credentials.SessionToken", Kind.SESSION_TOKEN, False),
    CredentialMember("cognito-identity", "GetCredentialsForIdentity",
                     "Credentials.SecretKey", Kind.ACCESS_KEY_SECRET, True),
    CredentialMember("ecr", "GetAuthorizationToken",
                     "authorizationData[].authorizationToken", Kind.BASIC_AUTH_TOKEN, False),
    CredentialMember("ecr-public", "GetAuthorizationToken",
                     "authorizationData.authorizationToken", Kind.BASIC_AUTH_TOKEN, False),
    CredentialMember("codeartifact", "GetAuthorizationToken",
                     "authorizationToken", Kind.TEXT, False),
    CredentialMember("sso", "GetRoleCredentials",
                     "roleCredentials.secretAccessKey", Kind.ACCESS_KEY_SECRET, True),
    CredentialMember("sso", "GetRoleCredentials",
                     "roleCredentials.sessionToken", Kind.SESSION_TOKEN, True),
    CredentialMember("iam", "CreateAccessKey",
                     "AccessKey.SecretAccessKey", Kind.ACCESS_KEY_SECRET, True),
)

_ANY, _EACH = object(), object()


def _steps(path: str) -> tuple[Any, ...]:
    steps: list[Any] = []
    for part in path.split("."):
        if part == "**":
            steps.append(_ANY)
        elif part.endswith("[]"):
            steps.extend((part[:-2], _EACH))
        else:
            steps.append(part)
    return tuple(steps)


def _at_path(value: Any, steps: tuple[Any, ...], fn: Callable[[Any], Any]) -> Any:
    """``value`` with ``fn`` applied to whatever ``steps`` lead to."""
    if not steps:
        return fn(value)
    step, rest = steps[0], steps[1:]
    if step is _ANY:
        value = _at_path(value, rest, fn)
        if isinstance(value, dict):
            return _map_dict(value, lambda key, child: _at_path(child, steps, fn))
        if isinstance(value, (list, tuple)):
            return _map_seq(value, lambda child: _at_path(child, steps, fn))
        return value
    if step is _EACH:
        if isinstance(value, (list, tuple)):
            return _map_seq(value, lambda child: _at_path(child, rest, fn))
        return value
    if isinstance(value, dict) and step in value:
        return _map_dict(value, lambda key, child: _at_path(child, rest, fn) if key == step else child)
    return value


class Credentials:
    """Replaces the credentials listed in a table (by default :data:`CREDENTIAL_MEMBERS`).

    Responses only: the models mark every credential a request carries that
    this table would list, so it has no ``request`` method.
    """

    name = "credentials"

    def __init__(self, members: Iterable[CredentialMember] = CREDENTIAL_MEMBERS):
        self.members = tuple(members)
        self._compiled = [(m.service, m.operation, _steps(m.path), Kind(m.kind)) for m in self.members]

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        service, operation = _canonical(service, operation)
        for row_service, row_operation, steps, kind in self._compiled:
            if row_service == service and row_operation in ("*", operation):
                data = _at_path(data, steps, functools.partial(_conceal, kind=kind))
        return data

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


# --------------------------------------------------------------------------
# ResponseMetadata

class ResponseMetadata:
    """Keeps only ``HTTPStatusCode`` in a response's ``ResponseMetadata``.

    Request ids, host ids, dates and retry counts differ on every run, so
    dropping them keeps a re-recorded file identical.
    """

    name = "response_metadata"
    keep = ("HTTPStatusCode",)

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        metadata = data.get("ResponseMetadata") if isinstance(data, dict) else None
        if not isinstance(metadata, dict) or set(metadata) <= set(self.keep):
            return data
        result = dict(data)
        result["ResponseMetadata"] = {k: metadata[k] for k in self.keep if k in metadata}
        return result

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


# --------------------------------------------------------------------------
# The registry, and applying a list

#: The built-in stateless redactors, by name.
BUILTIN_REDACTORS: Mapping[str, Redactor] = MappingProxyType({
    r.name: r for r in (
        SensitiveMembers(),
        SensitiveMembers((Sensitivity.PERSONAL,), name="personal_data"),
        Credentials(),
        ResponseMetadata(),
    )
})
#: The names :func:`default_redactors` returns: the secrets, nothing else.
DEFAULT_REDACTORS: tuple[str, ...] = ("sensitive_members", "credentials")


def redactors_named(names: Iterable[str]) -> list[Redactor]:
    """The built-in redactors called ``names``, in that order."""
    result = []
    for name in names:
        if name not in BUILTIN_REDACTORS:
            raise ConfigurationError("redactor", name, sorted(BUILTIN_REDACTORS))
        result.append(BUILTIN_REDACTORS[name])
    return result


def default_names() -> tuple[str, ...]:
    """:data:`DEFAULT_REDACTORS`, then the built-ins ``$PLACEBO_REDACT`` adds
    (``PLACEBO_REDACT=personal_data`` keeps personal data out too)."""
    extra = read_env().redact or ()
    for name in extra:
        if name not in BUILTIN_REDACTORS:
            raise ConfigurationError("PLACEBO_REDACT", name, sorted(BUILTIN_REDACTORS),
                                     "It lists built-in redactors, comma-separated, that recording "
                                     "and `placebo-unittest check` apply besides the defaults.")
    return DEFAULT_REDACTORS + tuple(name for name in extra if name not in DEFAULT_REDACTORS)


def default_redactors() -> list[Redactor]:
    """A new list of the redactors applied by default, for the caller to edit:
    the ones that remove secrets, and any that ``$PLACEBO_REDACT`` adds."""
    return redactors_named(default_names())


def redactor_name(redactor: Redactor) -> str:
    """A redactor's ``name``, else its ``__name__``, else its class name."""
    name = getattr(redactor, "name", None) or getattr(redactor, "__name__", None)
    return str(name or type(redactor).__name__)


class Defaults(tuple[Any, ...]):
    """``redact=Defaults("response_metadata", scrub)``: the default redactors
    (:func:`default_redactors`, with what ``$PLACEBO_REDACT`` adds), then
    these, each a built-in's name or a callable. ``PlaceboTestCase`` and the
    pytest plugin default to ``Defaults("response_metadata")``."""

    def __new__(cls, *extra: str | Redactor) -> Defaults:
        return super().__new__(cls, extra)

    def __repr__(self) -> str:
        return "Defaults({})".format(", ".join(repr(each) for each in self))


RedactSpec = bool | None | str | Redactor | Iterable[str | Redactor]


def resolve_redactors(spec: RedactSpec) -> list[Redactor]:
    """The redactors a ``redact=`` argument asks for.

    ``True`` means :func:`default_redactors`, and :class:`Defaults` those
    and more; ``False``, ``None`` or an empty
    list none at all. Otherwise it is one redactor or a list of them, each a
    built-in's name (see :data:`BUILTIN_REDACTORS`) or a callable
    ``(service, operation, data) -> data``; a list replaces the defaults, so
    to add one of your own write ``[*DEFAULT_REDACTORS, mine]``.
    """
    if spec is True:
        return default_redactors()
    if isinstance(spec, Defaults):
        return default_redactors() + resolve_redactors(list(spec))
    if spec is False or spec is None:
        return []
    items = [spec] if isinstance(spec, str) or callable(spec) else list(spec)
    result: list[Redactor] = []
    for item in items:
        if isinstance(item, str):
            result.extend(redactors_named([item]))
        elif callable(item):
            result.append(item)
        else:
            raise ConfigurationError("redact", item, sorted(BUILTIN_REDACTORS),
                                     "Each redactor is a built-in's name or a callable "
                                     "(service, operation, data) -> data.")
    return result


def redact_response(service: str, operation: str, data: Data, redactors: Iterable[Redactor]) -> Data:
    """``data`` passed through each redactor in turn."""
    for redactor in redactors:
        data = redactor(service, operation, data)
    return data


def redact_request(service: str, operation: str, params: Data, redactors: Iterable[Redactor]) -> Data:
    """``params`` passed through the ``request`` method of each redactor that has one."""
    for redactor in redactors:
        request = getattr(redactor, "request", None)
        if callable(request):
            params = request(service, operation, params)
    return params
