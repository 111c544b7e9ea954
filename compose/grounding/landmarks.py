"""Landmark extraction: instruction -> ordered landmark phrases.

``LLMLandmarks`` asks a language model with the few-shot prompt compose/prompts/lmnav_landmarks.txt (greedy, one
line); ``rule_landmarks`` is the rule-based noun-phrase baseline (determiner + words up to a function word).
"""
from __future__ import annotations

import re
from pathlib import Path

from compose.llm.base import check_text

PROMPT_PATH = Path(__file__).resolve().parents[1] / "prompts" / "lmnav_landmarks.txt"
_DETERMINERS = r"(?:the|a|an)"
_FUNCTION = {"and", "then", "where", "once", "when", "until", "after", "before", "is", "are", "was", "you", "should",
             "to", "at", "in", "on", "by", "of", "with", "near", "next", "past", "first", "finally", "please", "that",
             "which", "there", "it", "from", "into", "towards", "toward", "for", "or", "but", "so", "if", "your"}
_NOT_LANDMARKS = {"left", "right", "way", "end", "order", "turn", "stop", "destination", "first", "last", "other"}


def _clean(phrase: str) -> str:
    phrase = re.sub(r"\s+", " ", phrase.strip().strip(".,;:!?\"'").strip())
    return re.sub(rf"^{_DETERMINERS}\s+", "", phrase, flags=re.I).strip().lower()


def rule_landmarks(instruction: str) -> list[str]:
    """Noun phrases introduced by a determiner, in order of appearance, consecutive duplicates removed."""
    check_text(instruction, "instruction")
    tokens = re.findall(r"[a-z][a-z'\-]*|[^\sa-z]", instruction.lower())
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] in ("the", "a", "an"):
            words = []
            i += 1
            while i < len(tokens) and tokens[i][0].isalpha() and tokens[i] not in _FUNCTION \
                    and tokens[i] not in ("the", "a", "an") and len(words) < 5:
                words.append(tokens[i])
                i += 1
            phrase = " ".join(words)
            if words and phrase not in _NOT_LANDMARKS and not (out and out[-1] == phrase):
                out.append(phrase)
        else:
            i += 1
    return out


def load_prompt() -> str:
    return PROMPT_PATH.read_text()


def parse_landmarks(text: str) -> list[str]:
    """Parse the model's continuation: first line, semicolon- (or comma-/numbered-) separated phrases."""
    line = text.strip().split("\n")[0]
    parts = line.split(";") if ";" in line else re.split(r",|\band then\b|\bthen\b", line)
    out = []
    for p in parts:
        p = _clean(re.sub(r"^\s*\d+[.)]\s*", "", p))
        if p and len(p) <= 60 and p not in ("none", "landmarks") and (not out or out[-1] != p):
            out.append(p)
    return out


class LLMLandmarks:
    """Few-shot landmark extraction with any compose.llm LanguageModel (greedy decoding, stops at a newline)."""

    def __init__(self, llm, max_tokens: int = 40, template: str | None = None):
        self.llm = llm
        self.max_tokens = max_tokens
        self.template = template if template is not None else load_prompt()

    def prompt(self, instruction: str) -> str:
        # no trailing newline: after "Landmarks:" small models would otherwise start a new paragraph
        return self.template.replace("{instruction}", " ".join(instruction.split())).rstrip()

    def __call__(self, instruction: str) -> list[str]:
        check_text(instruction, "instruction")
        [text] = self.llm.generate([self.prompt(instruction)], max_tokens=self.max_tokens, stop=["\n"],
                                   temperature=0.0)
        return parse_landmarks(text)
