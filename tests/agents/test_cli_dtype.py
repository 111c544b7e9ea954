"""--dtype on every command line: parsed into LLMConfig, rejected when unknown."""
import argparse

import pytest

from agents.cli import DTYPES, add_llm_args, llm_config


def parser():
    p = argparse.ArgumentParser()
    add_llm_args(p)
    return p


def test_dtype_defaults_to_float32_and_reaches_the_config():
    assert llm_config(parser().parse_args([])).dtype == "float32"
    cfg = llm_config(parser().parse_args(["--dtype", "bfloat16", "--model", "qwen2.5-coder-0.5b"]))
    assert (cfg.dtype, cfg.model) == ("bfloat16", "qwen2.5-coder-0.5b")
    assert DTYPES == ("float32", "bfloat16")


def test_unknown_dtype_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["--dtype", "int3"])
    assert exc.value.code != 0 and "--dtype" in capsys.readouterr().err


def test_saycan_and_benchmark_take_dtype():
    from agents.bench.config import parse_args
    from agents.saycan import build_parser

    assert build_parser().parse_args(["--task", "x", "--dtype", "bfloat16"]).dtype == "bfloat16"
    cfg = parse_args(["--tasks", "data/tasks/kitchen_smoke.jsonl", "--out", "unused", "--dtype", "bfloat16"])
    assert cfg.llm.dtype == "bfloat16"
