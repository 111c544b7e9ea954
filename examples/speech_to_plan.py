"""Speech -> instruction -> SayCan plan, offline: espeak-ng speaks, Whisper tiny.en transcribes, SayCan
(SmolLM2-135M x affordances) plans and acts in the PyBullet kitchen, and the goal is checked on the final state.

    python examples/speech_to_plan.py                       # says "bring me a sponge" with espeak-ng
    python examples/speech_to_plan.py --audio request.wav   # your own recording
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from agents.cli import run_main  # noqa: E402
from compose.errors import InvalidInputError  # noqa: E402

SCENE = {"robot": "user", "holding": None, "drawer_open": False,
         "objects": [["sponge", "far counter"], ["water bottle", "far counter"], ["apple", "table"],
                     ["coke can", "table"]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--audio", help="a recording of the request (default: synthesise --say with espeak-ng)")
    ap.add_argument("--say", default="bring me a sponge", help="what espeak-ng says when no --audio is given")
    ap.add_argument("--goal", default='{"at": ["sponge", "user"]}', help="goal checked at the end (JSON)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    import json

    from agents.config import EpisodeConfig
    from agents.pipelines.speech import SpeechToPlan

    audio = args.audio
    if audio is None:
        if not shutil.which("espeak-ng"):
            raise InvalidInputError("espeak-ng is not installed (apt-get install espeak-ng); pass --audio FILE")
        audio = str(Path(tempfile.mkdtemp()) / "request.wav")
        subprocess.run(["espeak-ng", "-w", audio, args.say], check=True)
        print(f"espeak-ng said: {args.say!r} -> {audio}")
    pipe = SpeechToPlan(EpisodeConfig(render=False), verbose=True, stream=sys.stdout)
    out = pipe.run(audio, init=SCENE, goal=json.loads(args.goal), seed=args.seed)
    rec = out["record"]
    print(f"transcript: {out['transcript']}")
    print(f"plan: {', '.join(rec['plan'])}")
    print(f"goal met: {rec['exec_success']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
