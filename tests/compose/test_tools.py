"""Tool shape, registry, templates, LangChain bridge, LLM tools (scripted model + the real SmolLM2)."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import pytest

from compose.errors import InvalidInputError, SocraticError, UnknownNameError
from tests.conftest import ScriptedLM
import agents.tools  # noqa: F401  (registers simulator_perception)
from compose.tools import Tool, get_tool, register_tool, tool_names
from compose.tools.base import TOOLS, to_jsonable
from compose.tools.langchain_bridge import from_langchain, input_schema, to_langchain
from compose.tools.templating import PromptTemplate, TemplateError, format_label

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BUILTIN = {"whisper_asr", "llm_generate", "llm_score", "text_embed", "text_nearest", "image_classify",
           "image_caption", "simulator_perception"}


# -- registry and the Tool shape -------------------------------------------------------------------------------------
def test_builtin_tools_are_registered_with_descriptions_and_typed_inputs():
    assert BUILTIN <= set(tool_names())
    for name in BUILTIN:
        cls = TOOLS.get(name)
        assert cls.name == name and len(cls.description) > 30 and cls.output_doc
        assert input_schema(cls.__new__(cls)).model_json_schema()["type"] == "object"


def test_unknown_tool_lists_known_names():
    with pytest.raises(UnknownNameError) as e:
        get_tool("no_such_tool")
    msg = str(e.value)
    assert "no_such_tool" in msg and "whisper_asr" in msg and "text_embed" in msg


def test_building_a_tool_loads_nothing():
    tool = get_tool("text_embed")
    assert not tool.loaded and tool.embedder._model is None


@dataclass(frozen=True)
class _AddInput:
    a: int
    b: int = 1

    def __post_init__(self):
        if self.a < 0:
            raise InvalidInputError("a must be >= 0")


class _AddTool(Tool):
    name = "test_add"
    description = "Adds two numbers; a test tool that counts how often it loads and runs batches."
    input_type = _AddInput
    output_doc = "int"

    def __init__(self):
        super().__init__()
        self.loads = 0
        self.batches = 0

    def load(self):
        self.loads += 1

    def run(self, inp):
        return inp.a + inp.b

    def run_batch(self, inputs):
        self.batches += 1
        return [i.a + i.b for i in inputs]


def test_tool_call_batch_lazy_load_and_validation():
    t = _AddTool()
    assert t.loads == 0
    assert t(2) == 3 and t(a=2, b=5) == 7 and t({"a": 1, "b": 1}) == 2 and t(_AddInput(4)) == 5
    assert t.loads == 1  # loaded once, on the first call
    assert t.batch([{"a": 1}, _AddInput(2, 2), {"a": 3, "b": 0}]) == [2, 4, 3] and t.batches == 1
    assert t.batch([]) == []
    with pytest.raises(InvalidInputError, match="a must be >= 0"):
        t(-1)
    with pytest.raises(InvalidInputError, match="inputs are: a, b"):
        t(c=3)


def test_register_tool_and_get_tool_kwargs():
    if "test_add" not in TOOLS:
        register_tool(_AddTool)
    assert isinstance(get_tool("test_add"), _AddTool)
    assert "test_add" in tool_names()


# -- templates ---------------------------------------------------------------------------------------------------------
def test_label_templates_name_missing_variables():
    assert format_label("a photo of a {label}.", "sponge") == "a photo of a sponge."
    assert format_label("a {} on a table", "cup") == "a cup on a table"
    with pytest.raises(TemplateError, match="colour"):
        format_label("a {colour} {label}", "cup")
    with pytest.raises(TemplateError, match="no {label} field"):
        format_label("a photo", "cup")


def test_prompt_template_names_missing_and_unexpected_variables():
    t = PromptTemplate("objects = $objects\ntask: ${instruction} costs $$5 {braces ok}", "demo")
    assert t.variables == ("objects", "instruction")
    assert t.render(objects="['a']", instruction="go") == "objects = ['a']\ntask: go costs $5 {braces ok}"
    with pytest.raises(TemplateError, match="instruction"):
        t.render(objects="[]")
    with pytest.raises(TemplateError, match="typo"):
        t.render(objects="[]", instruction="x", typo=1)


# -- LangChain bridge --------------------------------------------------------------------------------------------------
def test_to_langchain_and_back_round_trip():
    from langchain_core.tools import BaseTool

    t = _AddTool()
    lc = to_langchain(t)
    assert isinstance(lc, BaseTool) and lc.name == "test_add" and "Adds two numbers" in lc.description
    assert set(lc.args) == {"a", "b"} and lc.args["b"]["default"] == 1
    assert lc.invoke({"a": 4, "b": 3}) == 7
    assert from_langchain(lc) is t


def test_from_langchain_wraps_any_langchain_tool():
    from langchain_core.tools import tool as lc_tool

    @lc_tool
    def shout(text: str, times: int = 2) -> str:
        """Repeat text in capitals."""
        return " ".join([text.upper()] * times)

    t = from_langchain(shout)
    assert isinstance(t, Tool) and t.name == "shout" and "capitals" in t.description
    assert t("hi") == "HI HI" and t(text="yo", times=3) == "YO YO YO"
    assert t.batch([{"text": "a"}, {"text": "b", "times": 1}]) == ["A A", "B"]
    with pytest.raises(InvalidInputError, match="shout"):
        t(text="x", times="many")
    # and back again: a LangChain tool again, same behaviour
    assert to_langchain(t).invoke({"text": "ok"}) == "OK OK"


def test_from_langchain_rejects_non_tools():
    with pytest.raises(InvalidInputError):
        from_langchain(lambda x: x)


def test_to_jsonable_handles_dataclasses_numpy_tuples():
    import numpy as np

    @dataclass
    class D:
        x: tuple
        y: object

    assert to_jsonable(D((1, 2), np.float32(0.5))) == {"x": [1, 2], "y": 0.5}
    assert to_jsonable({"a": np.arange(3)}) == {"a": [0, 1, 2]}


# -- LLM tools -----------------------------------------------------------------------------------------------------------
def test_llm_tools_with_a_scripted_model():
    lm = ScriptedLM(script=["hello", "world"])
    gen = get_tool("llm_generate", llm=lm)
    assert gen("say hi") == "hello"
    assert gen.batch([{"prompt": "a"}]) == ["world"]
    score = get_tool("llm_score", llm=lm)
    out = score(prompt="the robot picks up the sponge", options=["sponge", "pick up the apple"])
    assert out.best == "sponge" and math.isclose(sum(out.probabilities), 1.0, rel_tol=1e-6)
    with pytest.raises(InvalidInputError, match="options is empty"):
        score(prompt="x", options=[])
    with pytest.raises(InvalidInputError, match="prompt is empty"):
        gen("   ")
    with pytest.raises(InvalidInputError):
        get_tool("llm_score", llm=lm, backend="fake")


@pytest.fixture(scope="module")
def smollm():
    from agents.runtime import get_llm
    from compose.llm import LLMConfig

    return get_llm(LLMConfig())


@pytest.mark.slow
def test_llm_score_tool_on_the_real_model_prefers_the_copied_answer(smollm):
    score = get_tool("llm_score", llm=smollm)
    out = score(prompt="The robot threw the banana into the trash can. The robot threw away the",
                options=[" banana", " laptop", " elephant"])
    assert out.best == " banana"
    assert all(lp < 0 for lp in out.logprobs)
    lc = to_langchain(score)
    assert lc.invoke({"prompt": "Paris is the capital of", "options": [" France", " Peru"]})["best"] == " France"
    gen = get_tool("llm_generate", llm=smollm)
    a, b = gen.batch([{"prompt": "1, 2, 3, 4,", "max_tokens": 6}, {"prompt": "1, 2, 3, 4,", "max_tokens": 6}])
    assert a == b and "5" in a


def test_errors_are_socratic_errors():
    assert issubclass(TemplateError, SocraticError) and issubclass(TemplateError, InvalidInputError)
