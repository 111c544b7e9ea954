"""What every command line shares: model flags, JSON arguments, and turning errors into a message + exit code."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from compose.errors import InvalidInputError, run_cli
from compose.llm import BACKEND_MODULES, LLMConfig

DEFAULT_MODEL = "smollm2-135m"
DTYPES = ("float32", "bfloat16")


def add_llm_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("language model")
    g.add_argument("--model", default=DEFAULT_MODEL, help=f"model name (python -m compose.models list), hub id or "
                   f"path (default: {DEFAULT_MODEL})")
    g.add_argument("--model-path", default=None, help="explicit local weights (GGUF file or transformers dir)")
    g.add_argument("--backend", default="transformers", choices=sorted(BACKEND_MODULES))
    g.add_argument("--base-url", default=None, help="OpenAI-compatible server, for --backend openai")
    g.add_argument("--dtype", default="float32", choices=DTYPES,
                   help="weights and activations for local backends (default float32; bfloat16 is faster on CPUs "
                   "with AMX and scores within a small tolerance: docs/scoring.md)")


def llm_config(args: argparse.Namespace) -> LLMConfig:
    return LLMConfig(backend=args.backend, model=args.model, path=args.model_path, base_url=args.base_url,
                     dtype=getattr(args, "dtype", "float32"))


def json_arg(value: str | None, what: str):
    """A JSON value given inline or as @FILE (or a path to an existing .json file)."""
    if value is None:
        return None
    text = value
    if value.startswith("@") or (value.endswith(".json") and Path(value).exists()):
        path = Path(value.lstrip("@"))
        if not path.exists():
            raise InvalidInputError(f"{what}: no such file {path}")
        text = path.read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


run_main = run_cli  # the one wrapper every command line uses (compose.errors.run_cli)
