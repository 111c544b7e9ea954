"""The specialists as LangChain tools: list the registry, convert tools, call them the way an agent would.

    python examples/tools_langchain.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from agents.cli import run_main  # noqa: E402


def main(argv=None) -> int:
    from compose.tools import from_langchain, get_tool, to_langchain, tool_names

    print("tools:", ", ".join(tool_names()))
    nearest = to_langchain(get_tool("text_nearest"))
    print(f"\n{nearest.name}: {nearest.description}\nargs: {list(nearest.args)}")
    skills = ["find a sponge", "pick up the sponge", "go to the trash can", "bring it to you", "done"]
    out = nearest.invoke({"text": "grab the sponge", "candidates": skills, "k": 2})
    print("invoke ->", [(m["text"], round(m["similarity"], 3)) for m in out])
    assert from_langchain(nearest).name == "text_nearest"

    if shutil.which("espeak-ng"):
        wav = str(Path(tempfile.mkdtemp()) / "cmd.wav")
        subprocess.run(["espeak-ng", "-s", "120", "-w", wav, "throw away the apple"], check=True)
        from agents.pipelines.speech import kitchen_vocabulary_hint

        asr = to_langchain(get_tool("whisper_asr"))
        print(f"\n{asr.name} (no hint) ->", asr.invoke({"audio": wav})["text"])
        print(f"{asr.name} (kitchen vocabulary hint) ->",
              asr.invoke({"audio": wav, "initial_prompt": kitchen_vocabulary_hint()})["text"])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
