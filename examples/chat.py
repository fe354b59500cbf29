"""A small chat function that streams a Bedrock model's answer.

``ask`` sends one question with Bedrock Runtime's ``converse_stream`` and
reads the answer as it streams in: the text, piece by piece; the tools the
model asks to call, their input arriving in fragments; why it stopped; and
how many tokens the exchange cost. It is the kind of code most LLM
applications on AWS run, and what test_chat.py records and replays.
"""
import json
from dataclasses import dataclass, field

MODEL_ID = "amazon.nova-lite-v1:0"


@dataclass
class Answer:
    text: str
    stop_reason: str
    input_tokens: int
    output_tokens: int
    #: The tools the model asked for: ``(name, input)`` pairs, in order.
    tool_calls: list = field(default_factory=list)


def ask(client, question, model_id=MODEL_ID, tools=None):
    """Ask ``question`` of ``model_id`` through ``client`` (a bedrock-runtime
    client) and gather the streamed answer into an :class:`Answer`."""
    request = {"modelId": model_id, "messages": [{"role": "user", "content": [{"text": question}]}]}
    if tools:
        request["toolConfig"] = {"tools": [{"toolSpec": tool} for tool in tools]}
    stream = client.converse_stream(**request)["stream"]
    text, calls, stop_reason, usage = [], {}, None, {}
    for event in stream:
        if "contentBlockStart" in event:
            start = event["contentBlockStart"]
            if "toolUse" in start["start"]:
                calls[start["contentBlockIndex"]] = [start["start"]["toolUse"]["name"], ""]
        elif "contentBlockDelta" in event:
            delta = event["contentBlockDelta"]
            if "text" in delta["delta"]:
                text.append(delta["delta"]["text"])
            elif "toolUse" in delta["delta"]:
                calls[delta["contentBlockIndex"]][1] += delta["delta"]["toolUse"]["input"]
        elif "messageStop" in event:
            stop_reason = event["messageStop"]["stopReason"]
        elif "metadata" in event:
            usage = event["metadata"]["usage"]
    return Answer(
        text="".join(text),
        stop_reason=stop_reason,
        input_tokens=usage.get("inputTokens", 0),
        output_tokens=usage.get("outputTokens", 0),
        tool_calls=[(name, json.loads(arguments or "{}")) for name, arguments in calls.values()],
    )
