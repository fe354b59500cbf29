"""Bedrock's streamed answers: one recorded, one written by hand.

``ChatTest.test_a_streamed_answer`` replays a recorded ``converse_stream``
answer (placebo/ChatTest.test_a_streamed_answer/); ``ask`` reads it as it would
read Bedrock's. moto doesn't serve Bedrock, so this class keeps replaying
when the other examples are recorded again with ``--moto``: to record it
against Bedrock itself, remove ``placebo_mode`` and run with ``--record``
and AWS credentials.

``test_a_tool_call_written_by_hand`` needs no recording at all: it scripts
the events of the answer it wants, as the model would stream them.

The two pytest-style tests at the end do the same with the plugin's
fixtures (``python -m pytest examples/test_chat.py``).
"""
import pytest
from chat import ask

from placebo_unittest import PlaceboTestCase

WEATHER_TOOL = {"name": "get_weather", "description": "The weather in a city.",
                "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}

#: The events of a streamed answer that calls a tool, as Bedrock sends them.
TOOL_CALL = [
    {"messageStart": {"role": "assistant"}},
    {"contentBlockDelta": {"delta": {"text": "Let me look that up."}, "contentBlockIndex": 0}},
    {"contentBlockStop": {"contentBlockIndex": 0}},
    {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather"}},
                           "contentBlockIndex": 1}},
    {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"city": '}}, "contentBlockIndex": 1}},
    {"contentBlockDelta": {"delta": {"toolUse": {"input": '"Paris"}'}}, "contentBlockIndex": 1}},
    {"contentBlockStop": {"contentBlockIndex": 1}},
    {"messageStop": {"stopReason": "tool_use"}},
    {"metadata": {"usage": {"inputTokens": 42, "outputTokens": 18, "totalTokens": 60},
                  "metrics": {"latencyMs": 310}}},
]


class ChatTest(PlaceboTestCase):
    placebo_mode = "playback"  # see the module's docstring

    def test_a_streamed_answer(self):
        answer = ask(self.client("bedrock-runtime"), "What is the capital of France?")
        self.assertEqual(answer.text, "The capital of France is Paris.")
        self.assertEqual((answer.stop_reason, answer.input_tokens, answer.output_tokens), ("end_turn", 14, 9))
        self.assertEqual(answer.tool_calls, [])

    def test_a_tool_call_written_by_hand(self):
        # Checked against botocore's model: a misspelt event would be refused here.
        self.save_response("bedrock-runtime", "converse_stream", {"stream": TOOL_CALL})
        answer = ask(self.client("bedrock-runtime"), "Weather in Paris?", tools=[WEATHER_TOOL])
        self.assertEqual(answer.tool_calls, [("get_weather", {"city": "Paris"})])
        self.assertEqual((answer.text, answer.stop_reason), ("Let me look that up.", "tool_use"))


@pytest.mark.placebo(mode="playback")
def test_a_streamed_answer(placebo_client):
    answer = ask(placebo_client("bedrock-runtime"), "What is the capital of France?")
    assert (answer.text, answer.output_tokens) == ("The capital of France is Paris.", 9)


def test_a_tool_call_written_by_hand(placebo_client, placebo_pill):
    placebo_pill.queue_response("bedrock-runtime", "converse_stream", {"stream": TOOL_CALL})
    answer = ask(placebo_client("bedrock-runtime"), "Weather in Paris?", tools=[WEATHER_TOOL])
    assert answer.tool_calls == [("get_weather", {"city": "Paris"})]
