"""Replayed calls skip building the HTTP request that is never sent.

Before botocore fires ``before-call``, where a pill answers, it resolves the
endpoint from the service's rules and serializes the request, user agent
string included: most of a replayed call's time, spent on a request nobody
sends. A pill that will answer a call (in playback, reading its own files)
marks the call's context at ``provide-client-params`` with :data:`ANSWERED`,
and the classes of its clients carry :class:`PlaybackShortcut`, which then
skips both steps:

- the endpoint is the client's endpoint URL, with no extra headers or
  properties (as many values as the botocore release's method returns);
- the request is a small dict of the shape botocore's ``prepare_request_dict``
  gives (``url_path``, ``query_string``, ``method``, ``headers``, ``body``,
  ``url``, ``context``), after the parameters are validated exactly as the
  client's own serializer validates them (none if ``parameter_validation`` is
  off), so a bad parameter raises the same ``ParamValidationError`` it
  raises live.

Everything before (``provide-client-params`` and ``before-parameter-build``
handlers, such as S3's bucket-name check) and after (``before-call``,
``after-call``) runs as it always does. A call not marked, a presigned URL,
and every call of a client without the mixin go through botocore's own
methods unchanged. The method signatures vary between botocore releases, so
the overrides take any arguments and look for the ones they need by name,
then by position.
"""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ParamValidationError
from botocore.serialize import Serializer
from botocore.validate import ParamValidationDecorator, ParamValidator

__all__ = ["ANSWERED", "PlaybackShortcut", "marked", "resolved_endpoint", "unsent_request"]

#: The key a pill sets in a call's context when it will answer the call.
ANSWERED = "placebo_unittest.answered"


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], name: str, position: int) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[position] if len(args) > position else None


def marked(args: tuple[Any, ...], kwargs: dict[str, Any], name: str, position: int) -> Any:
    """The call's context if a pill marked it as answered, else None."""
    context = _argument(args, kwargs, name, position)
    if type(context) is dict and context.get(ANSWERED) is True:
        return context
    return None


def unsent_request(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                   context: dict[str, Any]) -> dict[str, Any]:
    """The request dict of a call that is answered without being sent: its
    parameters validated as the client's serializer would, nothing serialized."""
    api_params = _argument(args, kwargs, "api_params", 0)
    operation_model = _argument(args, kwargs, "operation_model", 1)
    endpoint_url = _argument(args, kwargs, "endpoint_url", 2)
    input_shape = operation_model.input_shape
    validator = _validator(client)
    if validator is not None and input_shape is not None:
        report = validator.validate(api_params, input_shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())
    return {
        "url_path": "/",
        "query_string": {},
        "method": operation_model.http.get("method", "POST"),
        "headers": {},
        "body": b"",
        "url": endpoint_url,
        "context": context,
    }


def _validator(client: Any) -> Any:
    """What validates ``client``'s parameters live: its serializer's validator
    when botocore gave it a validating serializer; none for a plain one
    (``parameter_validation`` turned off); and, for a serializer someone
    wrapped, a validator when the client's config asks for validation."""
    serializer = getattr(client, "_serializer", None)
    if isinstance(serializer, ParamValidationDecorator):
        return getattr(serializer, "_param_validator", None) or ParamValidator()
    if isinstance(serializer, Serializer) or not client.meta.config.parameter_validation:
        return None
    return ParamValidator()


def resolved_endpoint(client: Any, original: Any) -> tuple[Any, ...]:
    """What ``_resolve_endpoint_ruleset`` gives for a call answered without
    being sent: the client's endpoint URL, no extra headers and, where
    botocore's ``original`` method returns them (releases since 2023), no
    endpoint properties."""
    code = getattr(getattr(original, "__func__", original), "__code__", None)
    if code is not None and "endpoint_properties" not in code.co_varnames:
        return (client.meta.endpoint_url, {})
    return (client.meta.endpoint_url, {}, {})


class PlaybackShortcut:
    """Mixed into the class of each client a pill watches (see the module's docstring)."""

    meta: Any

    def _resolve_endpoint_ruleset(self, *args: Any, **kwargs: Any) -> Any:
        original = super()._resolve_endpoint_ruleset  # type: ignore[misc]
        if marked(args, kwargs, "request_context", 2) is not None:
            return resolved_endpoint(self, original)
        return original(*args, **kwargs)

    def _convert_to_request_dict(self, *args: Any, **kwargs: Any) -> Any:
        context = marked(args, kwargs, "context", 3)
        if context is not None:
            return unsent_request(self, args, kwargs, context)
        return super()._convert_to_request_dict(*args, **kwargs)  # type: ignore[misc]
