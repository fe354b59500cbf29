"""Redactors for recordings already written, and redactors found by name.

Besides the built-in redactors of :mod:`placebo_unittest.redaction`, two are
defined here for files on disk: :class:`AccessKeyIds` (AWS access key ids,
``AKIA...`` and ``ASIA...``) and :class:`CredentialFields` (members named like
a password, a secret key or a session token, for services whose model doesn't
mark them). :func:`detection_redactors` is the built-in defaults and these
two: ``placebo-unittest check`` looks for secrets with them
(:func:`placebo_unittest.audit.check_file`) and ``placebo-unittest redact``
applies them (:func:`placebo_unittest.scrubbing.redact_file`), so a file that
has been redacted passes the check. :func:`load_redactor` finds a redactor by
the name given on the command line.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from .errors import ConfigurationError
from .redaction import (
    BUILTIN_REDACTORS,
    Data,
    Kind,
    Redactor,
    default_redactors,
    placeholder,
    resolve_redactors,
)

__all__ = [
    "ACCESS_KEY_ID",
    "ACCESS_KEY_ID_PLACEHOLDER",
    "CREDENTIAL_NAMES",
    "AccessKeyIds",
    "CredentialFields",
    "EXTRA_REDACTORS",
    "detection_redactors",
    "load_redactor",
]

#: An AWS access key id: ``AKIA`` (long-term) or ``ASIA`` (temporary) and 16 more.
ACCESS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
#: What :class:`AccessKeyIds` puts in place of an access key id's last 16 characters.
ACCESS_KEY_ID_PLACEHOLDER = "REDACTEDREDACTED"


def _is_placeholder_key(match: re.Match[str]) -> bool:
    text = match.group(0)
    return text.endswith(ACCESS_KEY_ID_PLACEHOLDER) or text.endswith("EXAMPLE")


class AccessKeyIds:
    """Replaces AWS access key ids (``AKIA`` or ``ASIA`` and 16 letters or
    digits) found anywhere in a string, keeping the first four characters:
    ``ASIAREDACTEDREDACTED``. Ids ending in ``EXAMPLE``, as in AWS's
    documentation, are left alone. Applied to requests too, so that a call
    passing back an id that a redacted response gave still matches."""

    name = "access_key_ids"

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        result: Data = _map_strings(data, self._replace)
        return result

    def request(self, service: str, operation: str, params: Data) -> Data:
        result: Data = _map_strings(params, self._replace)
        return result

    @staticmethod
    def _replace(text: str) -> str:
        if "IA" not in text:
            return text
        return ACCESS_KEY_ID.sub(
            lambda m: m.group(0) if _is_placeholder_key(m) else m.group(1) + ACCESS_KEY_ID_PLACEHOLDER, text)

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


def _map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` with ``fn`` applied to every string in it (not to dict keys);
    the same object wherever nothing changed."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        changed = {}
        for key, child in value.items():
            new = _map_strings(child, fn)
            if new is not child:
                changed[key] = new
        if not changed:
            return value
        return {key: changed.get(key, child) for key, child in value.items()}
    if isinstance(value, list):
        items = [_map_strings(child, fn) for child in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


#: Member names (compared without regard to case, by their end) that hold a
#: credential, and the kind of placeholder each gets.
CREDENTIAL_NAMES: tuple[tuple[str, Kind], ...] = (
    ("sessiontoken", Kind.SESSION_TOKEN),
    ("secretaccesskey", Kind.ACCESS_KEY_SECRET),
    ("secretkey", Kind.ACCESS_KEY_SECRET),
    ("password", Kind.TEXT),
)


class CredentialFields:
    """Replaces the string or bytes value of every member whose name ends like
    a credential's (``SessionToken``, ``SecretAccessKey``, ``SecretKey``,
    ``Password``, in any case), at any depth, with the placeholder of
    :func:`placebo_unittest.redaction.placeholder`. It covers services whose
    model doesn't mark such members, and services botocore doesn't know.
    Responses only: the models mark the passwords requests carry."""

    name = "credential_fields"

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        result: Data = self._walk(data)
        return result

    def _walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            changed = {}
            for key, child in value.items():
                kind = _credential_kind(key) if isinstance(key, str) else None
                if kind is not None and isinstance(child, (str, bytes)):
                    new = placeholder(child, kind)
                else:
                    new = self._walk(child)
                if new is not child and new != child:
                    changed[key] = new
            if not changed:
                return value
            return {key: changed.get(key, child) for key, child in value.items()}
        if isinstance(value, list):
            items = [self._walk(child) for child in value]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        return value

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


def _credential_kind(name: str) -> Kind | None:
    lowered = name.lower()
    for ending, kind in CREDENTIAL_NAMES:
        if lowered.endswith(ending):
            return kind
    return None


#: The redactors defined here, by name; :func:`load_redactor` knows them too.
EXTRA_REDACTORS: dict[str, Redactor] = {
    AccessKeyIds.name: AccessKeyIds(),
    CredentialFields.name: CredentialFields(),
}


def detection_redactors() -> list[Redactor]:
    """The redactors that define a secret for
    :func:`~placebo_unittest.audit.check_file`, and that the command line's
    ``redact`` applies by default: exactly the ones recording applies by
    default (:func:`~placebo_unittest.redaction.default_redactors`: the
    secrets, and what ``$PLACEBO_REDACT`` adds, such as ``personal_data``), so
    that a fresh recording passes the check. :class:`AccessKeyIds` and
    :class:`CredentialFields` are asked for by name: an access key id is an
    identifier, not a secret (its secret key is redacted by default), and both
    rewrite strings wherever they are, content included."""
    return default_redactors()


def load_redactor(spec: str) -> Redactor:
    """The redactor ``spec`` names: a built-in's name (see
    :data:`~placebo_unittest.redaction.BUILTIN_REDACTORS` and
    :data:`EXTRA_REDACTORS`), or ``module:attribute`` naming a callable
    ``(service, operation, data) -> data``, as the Pill's ``redact`` option
    accepts (``attribute`` may be dotted). The current directory is searched
    for the module first, as ``python -m`` would.

    Raises ``ValueError`` (a :class:`~placebo_unittest.errors.ConfigurationError`
    for an unknown built-in) saying what is wrong.
    """
    if spec in EXTRA_REDACTORS:
        return EXTRA_REDACTORS[spec]
    if ":" not in spec:
        if spec in BUILTIN_REDACTORS:
            return resolve_redactors([spec])[0]
        raise ConfigurationError("redactor", spec, sorted([*BUILTIN_REDACTORS, *EXTRA_REDACTORS]),
                                 "Or name a callable of your own as module:attribute.")
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{spec!r} is not module:attribute, such as mypackage.redactors:scrub")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"Can't import {module_name} for the redactor {spec!r}: {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            raise ValueError(f"{module_name} has no attribute {attribute!r} (from the redactor {spec!r})") from exc
    if not callable(target):
        raise ValueError(f"The redactor {spec!r} is a {type(target).__name__}, not a callable "
                         "(service, operation, data) -> data")
    return resolve_redactors([target])[0]

