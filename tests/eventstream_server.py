"""A server on 127.0.0.1 that answers the operations moto lacks, over real HTTP.

moto's server answers S3's SelectObjectContent, but not Bedrock Runtime's
ConverseStream and InvokeModelWithResponseStream, Lambda's
InvokeWithResponseStream or Kinesis's SubscribeToShard. This one does, for
tests that want a real boto3 client to read a real stream: the test scripts
what the next request for an operation gets, and the server sends it as AWS
does, the frames of :func:`placebo_unittest.eventstreams.encode_frames` in a
chunked response, a chunk per frame, each flushed as it is written. It keeps
every request it received, for the test to look at.

    with EventStreamServer() as server:
        server.answer("ConverseStream", [{"messageStart": {"role": "assistant"}}])
        client = session.client("bedrock-runtime", endpoint_url=server.url)
        events = list(client.converse_stream(modelId="m", messages=[...])["stream"])

Lambda's Invoke and Bedrock Runtime's InvokeModel, which moto can't answer
with a payload of the test's choosing, are served too, with
:meth:`EventStreamServer.answer_body`.

It listens on 127.0.0.1 only, on a port the system picks, and connects to
nothing.
"""
import collections
import http.server
import json
import re
import threading
from dataclasses import dataclass

import botocore.session

from placebo_unittest.eventstreams import encode_frames, stream_member

#: The operations served, each with the name of its service.
OPERATIONS = {
    "ConverseStream": "bedrock-runtime",
    "InvokeModelWithResponseStream": "bedrock-runtime",
    "InvokeWithResponseStream": "lambda",
    "SubscribeToShard": "kinesis",
}
#: Operations whose answer is a plain body (the output's payload member), not a stream.
PLAIN_OPERATIONS = {
    "Invoke": "lambda",
    "InvokeModel": "bedrock-runtime",
}
HOST = "127.0.0.1"
REQUEST_ID = "e5e5e5e5-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    operation: str | None  # the operation it asked for, None if it is none of OPERATIONS
    method: str
    path: str  # with the query string
    headers: dict  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: tuple
    frames: tuple
    plain: bool = False


class EventStreamServer:
    """The server; a context manager that starts it and stops it (or call :meth:`start` and :meth:`stop`)."""

    def __init__(self):
        session = botocore.session.Session()
        self.models = {name: session.get_service_model(service).operation_model(name)
                       for name, service in {**OPERATIONS, **PLAIN_OPERATIONS}.items()}
        self._routes = [(name, *_route(model)) for name, model in self.models.items()]
        self._lock = threading.Lock()
        self._answers = collections.defaultdict(collections.deque)
        self._requests = []
        self._httpd = None
        self._thread = None
        self.url = None

    # -- life ------------------------------------------------------------------
    def start(self):
        httpd = _HTTPServer((HOST, 0), _Handler)
        httpd.owner = self
        host, port = httpd.server_address[:2]
        assert host == HOST, host
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="eventstream-server", daemon=True)
        self._thread.start()
        self.url = f"http://{HOST}:{port}"
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- scripting -------------------------------------------------------------
    def answer(self, operation, events=(), *, initial=None):
        """Have the next request for ``operation`` (``"ConverseStream"``, ...) answered with ``events``.

        ``events`` are one-key dicts, as boto3 yields them; a modelled error
        event among them (``{"throttlingException": {"message": "..."}}``)
        makes boto3 raise ``EventStreamError`` when the reader gets there.
        ``initial`` holds the response's other members: for Lambda,
        ``StatusCode`` (the HTTP status) and ``ExecutedVersion`` (a header);
        for Kinesis, whatever goes in its ``initial-response`` event. The
        frames are made here, so events the operation can't send fail the
        test at once.
        """
        model = self.models[operation]
        status, headers, in_stream = 200, [], {}
        for name, value in (initial or {}).items():
            member = model.output_shape.members[name]
            location = member.serialization.get("location")
            if location == "statusCode":
                status = int(value)
            elif location == "header":
                headers.append((member.serialization.get("name", name), str(value)))
            else:
                in_stream[name] = value
        frames = encode_frames(model, list(events), initial_response=in_stream)
        with self._lock:
            self._answers[operation].append(_Answer(status, tuple(headers), tuple(frames)))

    def answer_body(self, operation, body, *, initial=None):
        """Have the next request for ``operation`` (``"Invoke"``, ``"InvokeModel"``)
        answered with the bytes ``body``; ``initial`` holds the other members
        (Lambda's ``StatusCode``, ``ExecutedVersion``; Bedrock's ``contentType``)."""
        model = self.models[operation]
        status, headers = 200, []
        for name, value in (initial or {}).items():
            member = model.output_shape.members[name]
            if member.serialization.get("location") == "statusCode":
                status = int(value)
            else:
                headers.append((member.serialization.get("name", name), str(value)))
        with self._lock:
            self._answers[operation].append(_Answer(status, tuple(headers), (bytes(body),), plain=True))

    @property
    def requests(self):
        """The requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def unanswered(self):
        """The operations with answers scripted but not yet asked for."""
        with self._lock:
            return sorted(name for name, answers in self._answers.items() if answers)

    def reset(self):
        """Forget scripted answers and received requests."""
        with self._lock:
            self._answers.clear()
            self._requests.clear()

    # -- serving ---------------------------------------------------------------
    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        operation = self._operation(handler.command, handler.path, headers)
        with self._lock:
            self._requests.append(Received(operation, handler.command, handler.path, headers, body))
            answers = self._answers.get(operation)
            answer = answers.popleft() if answers else None
        if answer is None:
            why = (f"no answer scripted for {operation}" if operation
                   else f"{handler.command} {handler.path} is none of {sorted(self.models)}")
            _send_error(handler, why)
        elif answer.plain:
            _send_body(handler, answer)
        else:
            _send_stream(handler, answer)

    def _operation(self, method, path, headers):
        for name, target, pattern in self._routes:
            if target is not None:
                if headers.get("x-amz-target") == target:
                    return name
            elif method == "POST" and pattern.fullmatch(path.split("?", 1)[0]):
                return name
        return None


def _route(model):
    """How a request names ``model``'s operation: its X-Amz-Target (json protocol) or its path."""
    if model.metadata["protocol"] == "json":
        return f"{model.metadata['targetPrefix']}.{model.name}", None
    template = model.http["requestUri"].split("?", 1)[0]
    pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", "(.+)", re.escape(template))
    pattern = re.sub(r"\\\{[^}]+?\\\}", "([^/]+)", pattern)
    assert (stream_member(model) is not None) == (model.name in OPERATIONS), model.name
    return None, re.compile(pattern)


def _send_stream(handler, answer):
    handler.send_response(answer.status)
    sent = {name.lower() for name, _ in answer.headers}
    for name, value in answer.headers:
        handler.send_header(name, value)
    if "content-type" not in sent:
        handler.send_header("Content-Type", "application/vnd.amazon.eventstream")
    handler.send_header("x-amzn-RequestId", REQUEST_ID)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.close_connection = True
    try:
        for frame in answer.frames:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            handler.wfile.flush()
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the reader stopped early and closed the stream


def _send_body(handler, answer):
    body = answer.frames[0]
    handler.send_response(answer.status)
    for name, value in answer.headers:
        handler.send_header(name, value)
    if "content-type" not in {name.lower() for name, _ in answer.headers}:
        handler.send_header("Content-Type", "application/json")
    handler.send_header("x-amzn-RequestId", REQUEST_ID)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _send_error(handler, message):
    body = json.dumps({"message": message}).encode()
    handler.send_response(500)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("x-amzn-ErrorType", "EventStreamServerError")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.close_connection = True
    handler.wfile.write(body)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner = None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.server.owner._handle(self)

    def log_message(self, format, *args):  # quiet: the test asserts on server.requests instead
        pass
