"""Account ids out of recordings: :class:`AccountIdAnonymizer`.


:class:`AccountIdAnonymizer` (optional, stateful, so not in the registry)
replaces each real account id with one fixed id, :data:`ACCOUNT_ID_PLACEHOLDER`,
in every string (ARNs, ``OwnerId``, SQS queue URLs, URL-encoded policies) and
every dict key, of responses and requests alike. It knows the ids it is given,
and learns more from what it redacts: the account field of ARNs and 12-digit
values of members named like ``Account``, ``AccountId`` or ``OwnerId``.

At playback the code under test still passes the real id, so recorded and
live request parameters must be anonymised the same way before they are
compared. Writing the real ids beside the recordings would defeat the point,
so the anonymizer can instead give :meth:`~AccountIdAnonymizer.fingerprints`
of the ids it knows: salted PBKDF2-HMAC-SHA256 digests, deterministic so that
recording again writes the same ones. :meth:`AccountIdAnonymizer.from_fingerprints`
builds an anonymizer that replaces exactly the 12-digit numbers whose
fingerprint is in that set, without ever knowing the ids. There are only
10**12 account ids, so a plain SHA-256 could be reversed by trying them all
in minutes; the iterated hash makes that cost months of computing. Account ids
aren't credentials (AWS says so); this keeps them out of published files and
search results, not away from a determined attacker.
"""
from __future__ import annotations

import hashlib
import re
import threading
import urllib.parse
from collections.abc import Iterable
from typing import Any

from .errors import ConfigurationError, RedactionError
from .redaction import Data, _map_dict, _map_seq

__all__ = ["AccountIdAnonymizer", "ACCOUNT_ID_PLACEHOLDER"]

ACCOUNT_ID_PLACEHOLDER = "123456789012"
_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_ONLY_TWELVE_DIGITS = re.compile(r"^[0-9]{12}$")
_ARN_ACCOUNT = re.compile(r"arn:[A-Za-z0-9-]+:[A-Za-z0-9.-]*:[A-Za-z0-9-]*:([0-9]{12}):")
_ACCOUNT_MEMBER = re.compile(r"(?i)(?:account|owner)s?(?:_?ids?|_?numbers?)?$")
_FINGERPRINT_SALT = b"placebo_unittest account id"
_FINGERPRINT_ITERATIONS = 200_000
_FINGERPRINT = re.compile(r"^pbkdf2_sha256\$([1-9][0-9]*)\$([0-9a-f]{64})$")


def _fingerprint(account_id: str, iterations: int = _FINGERPRINT_ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", account_id.encode("ascii"), _FINGERPRINT_SALT, iterations)
    return f"pbkdf2_sha256${iterations}${digest.hex()}"


class AccountIdAnonymizer:
    """Replaces real account ids with one fixed id, in responses and requests.

    ``account_ids`` are replaced from the start; with ``discover`` (the
    default) every id found in an ARN's account field, or as the 12-digit
    value of a member named like ``Account``/``AccountId``/``OwnerId``, is
    learned before the data it was found in is redacted, and replaced from
    then on. ``fingerprints`` (from :meth:`fingerprints`) add ids known only
    by their digest. Ids in ``keep``, and the replacement itself, are never
    replaced.

    Every distinct account becomes the same one, so a test that tells two
    accounts apart needs one anonymizer per account, each with its own
    ``replacement``, ``account_ids`` and ``discover=False``. Only strings and
    dict keys are rewritten; bytes and numbers are left as they are.
    Raises :class:`RedactionError` if two keys of one dict would become equal.
    """

    name = "account_ids"

    def __init__(
        self,
        account_ids: Iterable[str] = (),
        *,
        replacement: str = ACCOUNT_ID_PLACEHOLDER,
        discover: bool = True,
        keep: Iterable[str] = (),
        fingerprints: Iterable[str] = (),
    ):
        if not _ONLY_TWELVE_DIGITS.match(replacement):
            raise ConfigurationError("replacement", replacement, [ACCOUNT_ID_PLACEHOLDER],
                                     "It must be 12 digits, like any account id.")
        self.replacement = replacement
        self.discover = discover
        self.keep = frozenset(keep) | {replacement}
        self._lock = threading.Lock()
        self._ids: set[str] = set()
        self._replaced: set[str] = set()
        self._verdicts: dict[str, bool] = {}
        self._fingerprints: dict[int, set[str]] = {}
        for fingerprint in fingerprints:
            match = _FINGERPRINT.match(fingerprint)
            if match is None:
                raise RedactionError(f"{fingerprint!r} isn't an account-id fingerprint written by "
                                     "AccountIdAnonymizer.fingerprints().")
            self._fingerprints.setdefault(int(match.group(1)), set()).add(fingerprint)
        self._learn_ids(account_ids, strict=True)

    @classmethod
    def from_fingerprints(
        cls, fingerprints: Iterable[str], *, replacement: str = ACCOUNT_ID_PLACEHOLDER
    ) -> AccountIdAnonymizer:
        """An anonymizer replacing exactly the ids whose fingerprints are given (for playback)."""
        return cls(replacement=replacement, discover=False, fingerprints=fingerprints)

    @property
    def account_ids(self) -> frozenset[str]:
        """The real ids it was given or has learned (kept in memory only)."""
        return frozenset(self._ids)

    @property
    def replaced(self) -> frozenset[str]:
        """The real ids it has actually replaced so far (kept in memory only)."""
        return frozenset(self._replaced)

    def fingerprints(self) -> list[str]:
        """Digests of :attr:`account_ids`, sorted, safe to store beside the recordings."""
        return sorted(_fingerprint(account_id) for account_id in self.account_ids)

    def learn(self, value: Any) -> frozenset[str]:
        """Learn the account ids found in ``value`` (any tree); return the new ones."""
        found: set[str] = set()
        _discover(value, found)
        return self._learn_ids(found, strict=False)

    def _learn_ids(self, ids: Iterable[str], strict: bool) -> frozenset[str]:
        new = set()
        for account_id in ids:
            if not isinstance(account_id, str) or not _ONLY_TWELVE_DIGITS.match(account_id):
                if strict:
                    raise ConfigurationError("account_ids", account_id, [ACCOUNT_ID_PLACEHOLDER],
                                             "Each account id is a string of 12 digits.")
                continue
            if account_id not in self.keep and account_id not in self._ids:
                new.add(account_id)
        with self._lock:
            self._ids |= new
            for account_id in new:
                self._verdicts[account_id] = True
        return frozenset(new)

    def anonymize(self, value: Any) -> Any:
        """``value`` (any tree, or a string) with every known id replaced; nothing is learned."""
        if isinstance(value, str):
            if not _has_twelve(value):
                return value
            new = _TWELVE_DIGITS.sub(self._substitute, value)
            return value if new == value else new
        if isinstance(value, dict):
            return self._anonymize_dict(value)
        if isinstance(value, (list, tuple)):
            return _map_seq(value, self.anonymize)
        return value

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        if self.discover:
            self.learn(data)
        result: Data = self.anonymize(data)
        return result

    def request(self, service: str, operation: str, params: Data) -> Data:
        return self(service, operation, params)

    def __repr__(self) -> str:
        return f"<redactor {self.name} -> {self.replacement}>"

    def _anonymize_dict(self, value: dict[Any, Any]) -> dict[Any, Any]:
        keys = {key: self.anonymize(key) if isinstance(key, str) else key for key in value}
        values = _map_dict(value, lambda key, child: self.anonymize(child))
        if all(new is key for key, new in keys.items()):
            return values
        result: dict[Any, Any] = {}
        for key, child in values.items():
            if keys[key] in result:
                raise RedactionError(
                    f"Replacing account ids would merge two keys of one dict into {keys[key]!r}; "
                    "anonymise these accounts with separate AccountIdAnonymizers, each "
                    "with its own replacement."
                )
            result[keys[key]] = child
        return result

    def _substitute(self, match: re.Match[str]) -> str:
        candidate = match.group()
        if not self._is_known(candidate):
            return candidate
        with self._lock:
            self._replaced.add(candidate)
        return self.replacement

    def _is_known(self, candidate: str) -> bool:
        if candidate in self.keep:
            return False
        verdict = self._verdicts.get(candidate)
        if verdict is None:
            verdict = any(_fingerprint(candidate, iterations) in digests
                          for iterations, digests in self._fingerprints.items())
            with self._lock:
                self._verdicts[candidate] = verdict
        return verdict


def _has_twelve(text: str) -> bool:
    return len(text) >= 12 and _TWELVE_DIGITS.search(text) is not None


def _discover(value: Any, found: set[str], member: str = "") -> None:
    if isinstance(value, str):
        if member and _ACCOUNT_MEMBER.search(member) and _ONLY_TWELVE_DIGITS.match(value):
            found.add(value)
        if "arn" in value:
            found.update(_ARN_ACCOUNT.findall(value))
        if "%3" in value.upper():
            found.update(_ARN_ACCOUNT.findall(urllib.parse.unquote(value)))
    elif isinstance(value, dict):
        for key, child in value.items():
            if isinstance(key, str):
                _discover(key, found)
            _discover(child, found, key if isinstance(key, str) else "")
    elif isinstance(value, (list, tuple)):
        for child in value:
            _discover(child, found, member)
