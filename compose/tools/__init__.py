"""Specialists as tools: one Tool shape (compose.tools.base), a registry by name, LangChain conversion.

    from compose.tools import get_tool, tool_names
    asr = get_tool("whisper_asr")          # nothing loads until the first call
    asr(audio="cmd.wav").text

Built-in tools: whisper_asr, llm_generate, llm_score, text_embed, text_nearest, image_classify, image_caption;
tools that need a world (simulator_perception) register when ``agents.tools`` is imported.
The specialist classes behind them (WhisperASR, TextEmbedder, DualEncoder backends, Captioner backends) are
importable from their modules for direct, array-level use.
"""
from compose.tools.base import TOOLS, Tool, get_tool, register_tool, to_jsonable, tool_names

__all__ = ["TOOLS", "Tool", "get_tool", "register_tool", "to_jsonable", "tool_names", "to_langchain", "from_langchain"]


def __getattr__(name):  # keep `import compose.tools` free of langchain until the bridge is used
    if name in ("to_langchain", "from_langchain"):
        from compose.tools import langchain_bridge

        return getattr(langchain_bridge, name)
    raise AttributeError(name)
