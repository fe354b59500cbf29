"""Which of the values botocore marks ``sensitive`` are secrets.

botocore's models put the ``sensitive`` trait on shapes that hold secrets
(passwords, keys, tokens), but also on content and personal data: a Lambda
payload, a model's answer, a user's name and email. Tests assert on the
second kind, so redacting it by default would break their replays.

:func:`classify` sorts each sensitive member into one of two classes,
:class:`Sensitivity`:

``secret``
    credentials, passwords, keys and tokens, secret values, private keys,
    plaintext that KMS hands out, environment variables and user data that
    configure a machine, bearer URLs, card data. Redacted by default.
``personal``
    content and personal data: payloads and bodies, prompts and model
    output, messages, names, descriptions, tags, contact details,
    addresses and positions, numbers, flags and times. Kept by default;
    the ``personal_data`` redactor removes it.

It decides with one rule for every service, from what the model says of the
member: the shape's type, the member's name split into words (its last word
is what it is: ``EmailAddress`` is an address, ``AccessKeyId`` an id), the
shape's name, the name of the structure that holds it, and
:data:`CURATED`, a small table for the members the rule would get wrong. A
member the rule can't place is a secret: when a new botocore release adds
sensitive members in words the rule has never seen, they stay redacted.

:func:`sensitive_members` walks a service model and yields every sensitive
member with its class, which the tests run over every model botocore has
and ``placebo-unittest sensitive`` prints for an audit. This module reads
models only; it knows nothing of botocore events or recordings.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from enum import Enum
from types import MappingProxyType
from typing import NamedTuple

from botocore.model import ServiceModel, Shape

__all__ = [
    "Sensitivity",
    "Verdict",
    "Curated",
    "CURATED",
    "SensitiveMember",
    "classify",
    "classed_whole",
    "words",
    "sensitive_members",
]


class Sensitivity(str, Enum):
    """The two classes of members botocore marks ``sensitive``."""

    #: Credentials, keys, tokens and the like: redacted by default.
    SECRET = "secret"
    #: Content and personal data: kept by default, removed by ``personal_data``.
    PERSONAL = "personal"

    def __str__(self) -> str:
        return self.value


class Verdict(NamedTuple):
    """A member's class, and the rule that gave it."""

    sensitivity: Sensitivity
    #: The rule: ``curated``, ``type``, ``names``, ``secret word``,
    #: ``content word``, ``context`` or ``unknown``.
    rule: str
    #: The words that decided, for an audit.
    because: str


class Curated(NamedTuple):
    """One row of :data:`CURATED`: where the rule misfires, what is right.

    ``service`` is botocore's service name or ``*``; ``container`` the name
    of the structure shape holding the member, or ``*``; ``member`` the
    member's name, or ``*`` for every member of the service.
    """

    service: str
    container: str
    member: str
    sensitivity: Sensitivity
    why: str


_SECRET, _PERSONAL = Sensitivity.SECRET, Sensitivity.PERSONAL

#: The members the word rule below would class wrongly, with the reason.
CURATED: tuple[Curated, ...] = (
    Curated("payment-cryptography", "*", "*", _SECRET,
            "card data and key material: every sensitive member is kept out of recordings"),
    Curated("payment-cryptography-data", "*", "*", _SECRET,
            "card numbers, PIN data and cryptograms: every sensitive member is kept out of recordings"),
    Curated("ssm", "Parameter", "Value", _SECRET,
            "a SecureString parameter's value (String and StringList values are kept: see PLAIN_WHEN)"),
    Curated("ssm", "*", "Value", _SECRET,
            "a parameter's value, which may be a SecureString"),
    Curated("kms", "*", "PublicKey", _PERSONAL,
            "a public key, typed as plaintext: nothing secret in it"),
    Curated("kms", "*", "Message", _SECRET, "the plaintext message KMS signs or verifies"),
    Curated("*", "ReasoningTextBlock", "signature", _PERSONAL,
            "model output that a conversation sends back: not a credential"),
    Curated("*", "ReasoningContentBlockDelta", "signature", _PERSONAL,
            "model output that a conversation sends back: not a credential"),
    Curated("ec2", "*", "CustomerGatewayConfiguration", _SECRET,
            "the VPN configuration, which holds the tunnels' pre-shared keys"),
    Curated("ec2", "*", "VpnConnectionDeviceSampleConfiguration", _SECRET,
            "a VPN device configuration, which holds the tunnels' pre-shared keys"),
    Curated("ec2", "*", "UploadPolicy", _SECRET, "a signed S3 upload policy"),
    Curated("ec2", "*", "UefiData", _SECRET, "UEFI variables, which hold Secure Boot keys"),
    Curated("ec2", "*", "KeyValue", _PERSONAL, "the public endorsement key of an instance's TPM"),
    Curated("cognito-idp", "*", "Session", _SECRET, "the session token of an authentication challenge"),
    Curated("sts", "*", "SAMLAssertion", _SECRET, "a signed SAML assertion: a bearer credential"),
    Curated("iam", "*", "QRCodePNG", _SECRET, "the QR code of a virtual MFA device's seed"),
    Curated("lightsail", "Session", "url", _SECRET, "a signed console session URL"),
    Curated("rds", "*", "InitQuery", _SECRET, "a proxy's initialization SQL, which may set credentials"),
    Curated("stepfunctions", "*", "variables", _PERSONAL, "a state machine's variables: its data"),
    Curated("kafkaconnect", "*", "*Configuration", _SECRET,
            "a connector's configuration, which holds the credentials it connects with"),
    Curated("appconfigdata", "*", "Configuration", _PERSONAL, "the configuration document an app reads"),
    Curated("lex-models", "*", "botConfiguration", _SECRET,
            "a channel's configuration, which holds its signing secrets and tokens"),
    Curated("qconnect", "RuntimeSessionData", "key", _PERSONAL, "the key of a key-value pair"),
)


# -- words ---------------------------------------------------------------------------------

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@functools.lru_cache(maxsize=8192)
def words(name: str) -> tuple[str, ...]:
    """``name`` split into lower-case words: ``SSEKMSKeyId`` -> ``("ssekms", "key", "id")``."""
    return tuple(word.lower() for word in _CAMEL.findall(name))


def _singular(word: str) -> str:
    """``word`` without a plural ending: ``keys`` -> ``key``, ``addresses`` -> ``address``."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "as")) and len(word) > 2:
        return word[:-1]
    return word


#: Shape types that can't hold a credential: numbers, flags and times.
_PLAIN_TYPES = frozenset({"boolean", "integer", "long", "float", "double", "timestamp"})

#: Last words that name or describe something rather than hold it:
#: ``SecretName``, ``AccessKeyId``, ``PasswordLength``.
_NAMING = frozenset({
    "id", "arn", "name", "type", "description", "length", "count", "status", "label", "title",
    "alias", "version", "identifier", "uid", "hint", "reference", "format", "algorithm", "policy",
    "scope", "mode", "expiration", "expiry", "issuer", "region", "provider", "owner",
})

#: Words that make a member a secret wherever they stand in its name.
_SECRET_WORDS = frozenset({
    "password", "passphrase", "passwd", "secret", "credential", "plaintext", "otp", "pin",
    "cryptogram", "verifier", "seed", "cookie", "presigned", "mac", "psk", "challenge",
})

#: Before ``token``: tokens that only page or make calls idempotent.
_PLAIN_TOKENS = frozenset({"next", "pagination", "continuation", "client", "request", "idempotency",
                           "page", "starting", "sync", "marker", "rotation", "previous"})

#: Before ``key``: keys that name an entry, not open anything.
_PLAIN_KEYS = frozenset({"tag", "object", "partition", "sort", "primary", "metadata", "attribute",
                         "public", "destination", "item", "s3", "search", "hash", "range", "field",
                         "dimension", "group", "checklist", "pub", "prompt", "spend", "to", "from",
                         "upsert", "join", "bookmark", "output", "label", "file", "column", "eks"})

#: Before ``header``: headers that carry no credential.
_PLAIN_HEADERS = frozenset({"agent", "section", "trace", "sip", "email", "column"})

#: Around a bare ``Key``: a structure or shape that is a key-value pair.
_PAIR_WORDS = frozenset({"tag", "metadata", "attribute", "header", "entry", "pair", "criteria",
                         "property", "spend", "item", "filter", "map", "option", "column", "mapping",
                         "label", "selector", "parameter"})

#: Words that make a URL a bearer credential (signed, or a session's).
_SECRET_URLS = frozenset({"presigned", "signed", "pre", "authorized", "embed", "embedding", "streaming",
                          "stream", "download", "upload", "webhook", "session", "dashboard", "deep",
                          "grid", "access", "admin", "shell", "approval", "portal", "import", "manifest",
                          "dev", "rtmp", "live", "connector"})

#: Last words of content and personal data.
_CONTENT = frozenset({
    "access", "account", "accounts", "ack", "acl", "action", "actions", "activity", "address", "address1",
    "address2", "address3", "address4", "addresses", "admin", "agency", "agent", "alternatives", "amount",
    "analysis", "annotations", "anomalies", "answer", "argument", "arguments", "as", "at", "attachment",
    "attachments", "attribute", "attributes", "audio", "authority", "axle", "base", "base64", "basis",
    "batcher", "behavior", "birth", "birthdate", "blob", "block", "blocks", "body", "bool", "boolean", "box",
    "branch", "brand", "bsuid", "bucket", "buffer", "building", "business", "by", "byte", "bytes", "capacity",
    "cargo", "catalog", "category", "cause", "center", "certificate", "chain", "changes", "channel", "char",
    "character", "charge", "chat", "choice", "chunk", "cidr", "ciphertext", "circle", "citation", "city",
    "claim", "class", "classification", "clause", "closure", "code", "code2", "code3", "collect", "color",
    "column", "command", "comment", "comments", "company", "completion", "component", "components",
    "compression", "concurrency", "condition", "conditions", "confidence", "configuration", "connection",
    "connectivity", "constant", "constraint", "contact", "contacts", "content", "context", "contexts",
    "contributors", "coordinates", "corrected", "corridor", "cost", "costs", "country", "county", "criteria",
    "crossing", "custom", "cycle", "data", "database", "date", "datetime", "day", "decimal", "definition",
    "delay", "department", "dependent", "description", "designator", "destination", "destinations", "detail",
    "details", "detector", "device", "dimension", "dimensions", "direction", "directional", "directory",
    "display", "distance", "distributions", "district", "document", "domain", "double", "dtype", "dun",
    "duration", "edge", "editor", "effect", "element", "elements", "email", "embedding", "endpoint", "engine",
    "entities", "entity", "entries", "entry", "equals", "error", "errors", "escaper", "estimate", "even",
    "event", "events", "example", "exclude", "exclusive", "exit", "explanation", "export", "expr",
    "expression", "expressions", "fax", "feature", "features", "feedback", "ferries", "fetch", "field",
    "fields", "file", "filter", "filters", "fingerprint", "fix", "float", "for", "formatted", "forms",
    "framework", "frequency", "from", "function", "gate", "gender", "geobuf", "geometry", "global", "group",
    "groups", "guidance", "hash", "heading", "headline", "headsign", "height", "highways", "horizontal",
    "host", "hot", "hov", "identity", "image", "impression", "include", "inclusive", "index", "indexes",
    "indicator", "industry", "info", "information", "ingestion", "initials", "input", "inputs", "instruction",
    "instructions", "insurance", "int", "integer", "intensity", "intent", "interpolated", "ip", "ipaddr",
    "items", "json", "justification", "k", "keyword", "keywords", "kid", "label", "labels", "lambda",
    "language", "last", "last4", "latency", "latitude", "layout", "length", "line", "line1", "line2", "line3",
    "link", "list", "lists", "literal", "locale", "locality", "location", "log", "logic", "logo", "logs",
    "long", "longitude", "manifest", "map", "mapping", "margin", "margins", "match", "matched", "max",
    "maximum", "mechanism", "media", "message", "messaging", "metadata", "method", "metric", "metrics", "min",
    "minimum", "minutes", "mobile", "modality", "model", "month", "motion", "municipality", "n", "name",
    "namespace", "neighborhood", "note", "notes", "now", "number", "object", "objects", "observation",
    "occupancy", "occupation", "off", "office", "offset", "operation", "operator", "option", "options",
    "order", "origin", "outcome", "output", "outputs", "overlay", "override", "overrides", "overview",
    "owners", "p", "padding", "pan", "param", "parameter", "parameters", "params", "part", "partition",
    "path", "pattern", "payload", "pem", "percentage", "period", "persona", "phone", "photo", "placeholder",
    "plate", "plus", "plus4", "png", "point", "pointer", "political", "polygon", "polyline", "port",
    "position", "positions", "postal", "power", "preferences", "preferred", "prefix", "price", "prices",
    "primary", "problem", "profile", "prompt", "pronoun", "pronouns", "properties", "property", "protocol",
    "province", "quad", "qualifier", "quantity", "queries", "query", "question", "quint", "radius", "range",
    "rate", "rationale", "reason", "reasoning", "receive", "recipe", "recipient", "recommendation",
    "recommendations", "record", "records", "recurrence", "references", "regex", "regexes", "relation",
    "relevance", "rental", "report", "repository", "request", "requirement", "resolution", "resource",
    "response", "restatement", "restricted", "result", "roads", "role", "roles", "row", "rows", "rule",
    "rules", "ruleset", "s", "sample", "samples", "saved", "scale", "schedule", "schema", "score", "scores",
    "script", "seats", "second", "seconds", "sector", "seed2", "segments", "selector", "seller", "send",
    "sender", "separator", "sequence", "server", "service", "sets", "settings", "severity", "sex", "share",
    "single", "smithy", "sort", "sound", "source", "sources", "spans", "spec", "specification",
    "specifications", "speed", "spread", "sql", "sqls", "ss", "state", "statement", "statistic", "step",
    "steps", "steuernummer", "street", "street1", "street2", "strength", "string", "structure", "style",
    "sub", "subject", "subnet", "suffix", "summary", "surname", "synonym", "table", "tag", "tags", "tail",
    "tandem", "target", "task", "taxi", "telephone", "temperature", "template", "term", "terms", "text",
    "threshold", "through", "thumbnail", "thumbprint", "time", "timestamp", "timezone", "timing", "title",
    "tolls", "tone", "tools", "topic", "topics", "total", "trace", "trailer", "trains", "transcript",
    "transcription", "transform", "transit", "transliterated", "transponders", "trip", "triple", "truck",
    "tunnels", "turns", "unbounded", "unit", "units", "unlimited", "uri", "url", "usage", "use", "user",
    "username", "users", "v", "v4", "v6", "value", "values", "variable", "variables", "vector", "verb",
    "verdict", "video", "view", "vignettes", "warehouse", "website", "week", "weight", "width", "words", "x",
    "y", "year", "z", "zip", "zone", "zoom",
})

#: Last words, with what they need to be content rather than a secret.
_GENERIC = frozenset({"value", "values", "data", "string", "blob", "bytes", "json", "document", "object",
                      "item", "entry", "text", "body", "content"})


def _curated(service: str, container: str, member: str) -> Curated | None:
    for row in CURATED:
        if (row.service in ("*", service) and row.container in ("*", container)
                and (row.member in ("*", member)
                     or (row.member.startswith("*") and member.endswith(row.member[1:])))):
            return row
    return None


def _decide(service: str, container: str, member: str, shape: str, type_name: str) -> Verdict:
    row = _curated(service, container, member)
    if row is not None:
        return Verdict(row.sensitivity, "curated", row.why)
    if type_name in _PLAIN_TYPES:
        return Verdict(_PERSONAL, "type", f"a {type_name}")
    said = tuple(word for word in words(member) if not word.isdigit())  # AddressLine1 is a line
    if not said:
        return Verdict(_SECRET, "unknown", f"no rule knows {member!r}: kept out of recordings to be safe")
    head = _singular(said[-1])
    if head in _NAMING:
        return Verdict(_PERSONAL, "names", f"{said[-1]}: names or describes what it refers to")
    shape_words, container_words = words(shape), words(container)
    judged = _judge(said, shape_words + container_words)
    if judged is not None:
        return judged
    if container_words and container_words[-1] not in _CALLS:
        found = _SECRET_WORDS.intersection(map(_singular, container_words))
        if found or {"environment", "variable"} <= _set(container_words):
            return Verdict(_SECRET, "context", f"part of a {container}")
    if head in _GENERIC or head in _LOCATORS:
        judged = _judge(shape_words, ())
        if judged is not None and judged.sensitivity is _SECRET:
            return Verdict(_SECRET, "context", f"a {shape}: {judged.because}")
    if head in _CONTENT:
        return Verdict(_PERSONAL, "content word", said[-1])
    judged = _judge(shape_words, ())
    if judged is not None and judged.sensitivity is _SECRET:
        return Verdict(_SECRET, "context", f"a {shape}: {judged.because}")
    shape_head = _singular(shape_words[-1]) if shape_words else ""
    if shape_head in _CONTENT and shape_head not in _GENERIC:
        return Verdict(_PERSONAL, "content word", f"{shape}: {shape_words[-1]}")
    return Verdict(_SECRET, "unknown", f"no rule knows {member!r}: kept out of recordings to be safe")


#: Last words of the structures an operation takes and gives, whose names
#: say what the call does, not what a member holds.
_CALLS = frozenset({"request", "response", "input", "output", "message", "result"})

#: Last words that point at something: a URL is a secret when it is signed or a session's.
_LOCATORS = frozenset({"url", "uri", "link", "code"})


def _judge(said: tuple[str, ...], context: tuple[str, ...]) -> Verdict | None:
    """A secret if a word of ``said`` makes it one; content if its last word
    is a token, key, code or header of a plain kind (``NextToken``,
    ``TagKey``, ``CountryCode``); else None. ``context`` (the shape's and the
    structure's words) settles a bare ``Key`` or ``Code``."""
    plain = None
    last = len(said) - 1
    for position, word in enumerate(said):
        before = said[position - 1] if position else ""
        after = said[position + 1] if position < last else ""
        single = _singular(word)
        if single in _SECRET_WORDS and not (single == "mac" and after == "address"):
            return Verdict(_SECRET, "secret word", word)
        if single == "user" and after == "data":
            return Verdict(_SECRET, "secret word", "user data: a machine's start-up script, which holds its secrets")
        if single in ("token", "key", "apikey"):
            holds = position == last or _singular(after) in _HOLDERS
            if single == "token" and before in _PLAIN_TOKENS:
                plain = f"{before} {word}: pages or deduplicates calls"
            elif single == "key" and (before in _PLAIN_KEYS or (not before and _plain_key(context))):
                plain = f"{' '.join(said[:position + 1])}: names an entry"
            elif holds or single == "apikey":
                return Verdict(_SECRET, "secret word", " ".join(said[max(position - 1, 0):position + 1]))
        elif single == "code" and position == last:
            if before in _SECRET_CODES or (not before and _SECRET_CODES & _set(context)):
                return Verdict(_SECRET, "secret word", " ".join(said[max(position - 1, 0):] or context))
            if not before and _judge(context, ()) is not None:
                return Verdict(_SECRET, "secret word", f"code, beside {' '.join(context)}")
            plain = f"{' '.join(said[max(position - 1, 0):])}: data, not a one-time code"
        elif single in ("url", "uri", "link") and _SECRET_URLS & (_set(said[:position]) | _set(context)):
            return Verdict(_SECRET, "secret word", " ".join(said[:position + 1]) + ": a bearer URL")
        elif single == "variable" and ("environment" in said or "environment" in _set(context)):
            return Verdict(_SECRET, "secret word", "environment variables")
        elif single == "environment" and position == last:
            return Verdict(_SECRET, "secret word", "environment variables")
        elif single in _AUTH and _singular(said[-1]) in _AUTH_HOLDERS:
            return Verdict(_SECRET, "secret word", " ".join(said[position:]))
        elif single in ("session", "assertion", "signature", "material") and position == last:
            return Verdict(_SECRET, "secret word", word)
        elif single == "header" and (position == last or _singular(after) in _HOLDERS):
            if before not in _PLAIN_HEADERS:
                return Verdict(_SECRET, "secret word", f"{word}: headers carry credentials")
            plain = f"{before} {word}"
    if plain is not None:
        return Verdict(_PERSONAL, "content word", plain)
    return None


def _set(context: tuple[str, ...]) -> set[str]:
    return {_singular(word) for word in context}


def _plain_key(context: tuple[str, ...]) -> bool:
    """Whether a bare ``Key`` names an entry, judging by its shape's and structure's words."""
    judged = _judge(context, ())
    if judged is not None:
        return judged.sensitivity is _PERSONAL
    words_set = _set(context)
    return bool(_PAIR_WORDS & words_set) and not _KEY_WORDS & words_set


#: After ``token`` or ``key``: words that hold it (``TokenValue``, ``KeyMaterial``).
_HOLDERS = frozenset({"value", "string", "data", "blob", "byte", "body", "material", "base64", "pem",
                      "file", "secret", "passphrase", "password"})

#: ``AuthParameters``, ``AuthorizationHeader``: what an authentication sends.
_AUTH = frozenset({"auth", "authentication", "authorization"})
_AUTH_HOLDERS = frozenset({"parameter", "param", "header", "value", "data", "string", "info", "detail",
                           "response", "config", "configuration"})

#: Before ``code``: one-time codes that prove who someone is.
_SECRET_CODES = frozenset({"auth", "authorization", "verification", "activation", "confirmation", "user",
                           "mfa", "access", "manifest", "reset", "invite", "pairing", "link", "recovery",
                           "login", "sign", "security", "secret", "token", "exchange"})


#: Around a bare ``Key``: words that make it a key that opens something.
_KEY_WORDS = frozenset({"api", "secret", "access", "private"})


@functools.lru_cache(maxsize=16384)
def classify(service: str, container: str, member: str, shape: str, type_name: str) -> Verdict:
    """The class of the sensitive member ``member`` (of the structure named
    ``container``, of the shape named ``shape`` and type ``type_name``) of
    ``service`` (botocore's service name)."""
    return _decide(service, container, member, shape, type_name)


# -- walking a model -----------------------------------------------------------------------

class SensitiveMember(NamedTuple):
    """A member botocore marks sensitive, or one inside a sensitive structure."""

    service: str
    container: str
    member: str
    shape: str
    type_name: str
    verdict: Verdict


def classed_whole(shape: Shape) -> bool:
    """Whether a sensitive ``shape`` is classed as a whole: a scalar, or a list
    or map of scalars. A structure is classed member by member."""
    if shape.type_name == "structure":
        return False
    if shape.type_name == "list":
        return classed_whole(shape.member)
    if shape.type_name == "map":
        return classed_whole(shape.value)
    return True


def sensitive_members(service_model: ServiceModel) -> Iterator[SensitiveMember]:
    """Every sensitive member of ``service_model``, once each, with its class.

    A member is sensitive when its shape carries the trait, or when it sits
    inside a sensitive structure, list or map; inside those, each member of
    a structure is classed by its own name, as redaction classes it.
    """
    service = service_model.service_name
    seen: set[tuple[str, str]] = set()
    visited: set[tuple[str, bool]] = set()

    def walk(shape: Shape, inherited: bool) -> Iterator[SensitiveMember]:
        key = (shape.name, inherited)
        if key in visited:
            return
        visited.add(key)
        if shape.type_name != "structure":
            return
        for name, member in shape.members.items():
            yield from reach(shape.name, name, member, inherited)

    def reach(container: str, name: str, shape: Shape, inherited: bool) -> Iterator[SensitiveMember]:
        sensitive = inherited or bool(shape.metadata.get("sensitive"))
        if sensitive and classed_whole(shape):
            if (container, name) not in seen:
                seen.add((container, name))
                yield SensitiveMember(service, container, name, shape.name, shape.type_name,
                                      classify(service, container, name, shape.name, shape.type_name))
            return
        if shape.type_name == "list":
            yield from reach(container, name, shape.member, sensitive)
        elif shape.type_name == "map":
            yield from reach(container, name, shape.value, sensitive)
        elif shape.type_name == "structure":
            yield from walk(shape, sensitive)

    for shape_name in service_model.shape_names:
        yield from walk(service_model.shape_for(shape_name), False)


#: The classes by name, for configuration and the command line.
SENSITIVITIES: Mapping[str, Sensitivity] = MappingProxyType({s.value: s for s in Sensitivity})
