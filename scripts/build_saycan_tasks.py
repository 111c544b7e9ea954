"""Convert SayCan's 101 evaluation instructions into a task file (docs/tasks.md).

    python scripts/build_saycan_tasks.py            # writes data/tasks/saycan_101.jsonl
    python scripts/build_saycan_tasks.py --check    # exit 1 if the file on disk differs from a fresh build

Inputs (CC BY 4.0, see data/saycan/ATTRIBUTION.md): the initial-condition TSV (family label, query, robot start,
kitchen start) and data/saycan/goals.jsonl, the goal of every instruction written by hand (with the few start-state
overrides the TSV needs, each with a note). Start states are parsed into the kitchen vocabulary of
envs/kitchen/vocab.py; any word not in the alias tables below stops the build with a message naming the row.
The reference plans of saycan_plan_v0_l.tsv can be mapped to our skill language with ``reference_plans`` (tests).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from compose.errors import InvalidInputError, run_cli  # noqa: E402
from envs.kitchen.vocab import article  # noqa: E402
from envs.tasks import parse_task_lines  # noqa: E402

DATA = ROOT / "data" / "saycan"
CONDITIONS = DATA / "saycan_initial_condition_for_dataset_v0.tsv"
PLANS = DATA / "saycan_plan_v0_l.tsv"
GOALS = DATA / "goals.jsonl"
OUT = ROOT / "data" / "tasks" / "saycan_101.jsonl"

# v0 label (as carried down) -> the paper's family (Ahn et al. 2022, Table 1); see docs/saycan_families.md
FAMILIES = {
    "Abstract Task Specification: Single": "nl_single_primitive",
    "Abstract Task Specification: Noun synonyms": "nl_nouns",
    "Abstract Task Specification: Verb synonyms": "nl_verbs",
    "Structured Language": "structured_language",
    "Mirror Verb synonyms": "structured_language",
    "Embodiment": "embodiment",
    'Context / Disturbances = No "How would you"': "crowd_sourced",
    "Multiple": "long_horizon",
}
FAMILY_SIZES = {"nl_single_primitive": 15, "nl_nouns": 15, "nl_verbs": 15, "structured_language": 15,
                "embodiment": 11, "crowd_sourced": 15, "long_horizon": 15}

# words of the TSV's start states -> kitchen vocabulary
OBJECT_ALIASES = {
    "coke": "coke can", "coke can": "coke can", "cokes": "coke can",
    "pepsi": "pepsi can", "pepsi can": "pepsi can",
    "7up": "7up can", "redbull": "redbull can", "red bull": "redbull can",
    "green can": "lime soda", "lime soda": "lime soda",
    "grapefruit lacroix": "grapefruit soda",
    "tea": "tea", "water": "water bottle", "water bottle": "water bottle",
    "apple": "apple",
    "energy bar": "energy bar", "rxbar chocolate": "energy bar", "rx chocolate bar": "energy bar",
    "rxbar bar": "energy bar",
    "jalapeno chips": "jalapeno chips", "multigrain chips": "multigrain chips", "multgrain chips": "multigrain chips",
    "rice chips": "rice chips", "rice chpis": "rice chips",
    "blue chip bag": "sea salt chips",  # the blue bag of the real kitchen (an assumption, docs/saycan_families.md)
    "chips": "multigrain chips",  # an unnamed bag of chips (a distractor in the rows that use it)
    "sponge": "sponge",
}
LOCATION_ALIASES = {
    "table": "table", "far counter": "far counter", "far counters": "far counter",
    "close counter": "close counter", "near counter": "close counter",
}
COUNTS = {"a": 1, "an": 1, "one": 1, "another": 1, "two": 2, "three": 3}


@dataclass(frozen=True)
class Row:
    row: int  # 1-based among the 101 instructions
    label: str  # v0 family label, carried down
    note: str  # a "*note ..." label of this row, if any
    query: str
    robot: str
    env: str


def read_conditions(path: Path = CONDITIONS) -> list[Row]:
    """The 101 rows of the initial-condition TSV (CRLF, header; labels carried down; '*note' labels are notes)."""
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    rows, label = [], ""
    for cells in (ln.split("\t") for ln in lines[1:] if ln.strip()):
        cells += [""] * (4 - len(cells))
        first, note = cells[0].strip(), ""
        if first.startswith("*note"):
            note = first
        elif first:
            label = first
        rows.append(Row(len(rows) + 1, label, note, cells[1], cells[2].strip(), cells[3].strip()))
    return rows


def _object(word: str, where: str) -> str:
    if word not in OBJECT_ALIASES:
        raise InvalidInputError(f"{where}: no mapping for object {word!r}; add it to OBJECT_ALIASES")
    return OBJECT_ALIASES[word]


def _location(word: str, where: str) -> str:
    word = re.sub(r"^the ", "", word.strip())
    if word not in LOCATION_ALIASES:
        raise InvalidInputError(f"{where}: no mapping for location {word!r}; add it to LOCATION_ALIASES")
    return LOCATION_ALIASES[word]


_ROBOT = re.compile(r"^(?:with operator|at (?P<at>.+?)|in front of (?P<front>.+?))"
                    r"(?:,?\s*with (?P<held>.+?) in hand)?,?$")


def parse_robot(text: str, where: str) -> tuple[str, str | None]:
    """'with operator' -> ('user', None); 'at far counter with coke can in hand' -> ('far counter', 'coke can')."""
    m = _ROBOT.match(text.strip().lower())
    if not m:
        raise InvalidInputError(f"{where}: cannot read the robot start state {text!r}")
    place = m.group("at") or m.group("front")
    robot = _location(place, where) if place else "user"
    held = _object(m.group("held"), where) if m.group("held") else None
    return robot, held


_ITEM = re.compile(r"^(?:(?P<count>a|an|one|two|three|another) )?(?P<noun>.+?)(?: (?P<rel>on|in) (?P<loc>.+))?$")


def parse_env(text: str, holding: str | None, where: str) -> list[list[str]]:
    """'coke on table and sponge on far counter' -> [['coke can', 'table'], ['sponge', 'far counter']].

    An item without a place takes the place of the next item that has one (else the previous one);
    'X in hand' must agree with the robot's start state; quoted remarks ("trash empty") are dropped.
    """
    text = re.sub(r'"[^"]*"', "", text.strip().lower())
    if text in ("", "nav only"):
        return []
    parts = [p.strip() for p in re.split(r",|\band\b", text) if p.strip()]
    items: list[list] = []  # [object, count, location or None]
    for part in parts:
        m = _ITEM.match(part)
        noun, loc = m.group("noun"), m.group("loc")
        if m.group("rel") == "in":
            if loc != "hand" or _object(noun, where) != holding:
                raise InvalidInputError(f"{where}: {part!r} disagrees with the robot start state (holding {holding!r})")
            continue
        items.append([_object(noun, where), COUNTS[m.group("count")] if m.group("count") else 1,
                      _location(loc, where) if loc else None])
    for i, item in enumerate(items):
        if item[2] is None:
            later = [it[2] for it in items[i + 1:] if it[2]] or [it[2] for it in items[:i][::-1] if it[2]]
            if not later:
                raise InvalidInputError(f"{where}: no location for {item[0]!r} in {text!r}")
            item[2] = later[0]
    return [[obj, loc] for obj, n, loc in items for _ in range(n)]


def read_goals(path: Path = GOALS) -> dict[int, dict]:
    entries = {}
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            entry = json.loads(line)
            if entry["row"] in entries:
                raise InvalidInputError(f"{path}:{lineno}: row {entry['row']} appears twice")
            entries[entry["row"]] = entry
    return entries


def build_task(row: Row, entry: dict) -> dict:
    where = f"{CONDITIONS.name} row {row.row}"
    if entry["query"] != row.query:
        raise InvalidInputError(f"{where}: goals.jsonl has query {entry['query']!r} but the TSV has {row.query!r}")
    if row.label not in FAMILIES:
        raise InvalidInputError(f"{where}: no paper family for v0 label {row.label!r}")
    if "init" in entry:  # the TSV leaves the start state blank: ours, documented in the entry's note
        init = entry["init"]
    else:
        robot, holding = parse_robot(entry.get("robot_start", row.robot), where)
        objects = parse_env(row.env, holding, where) + entry.get("add_objects", [])
        init = {"robot": robot, "holding": holding, "drawer_open": False, "objects": objects}
    task = {"id": f"saycan-{row.row:03d}", "world": "kitchen", "instruction": row.query,
            "family": FAMILIES[row.label], "init": init, "goal": entry["goal"],
            "source": {"dataset": "saycan_v0", "row": row.row, "v0_label": row.label,
                       "robot_start": row.robot, "env_start": row.env}}
    if entry.get("note"):
        task["note"] = entry["note"]
    return task


def build(conditions: Path = CONDITIONS, goals: Path = GOALS) -> list[dict]:
    rows, entries = read_conditions(conditions), read_goals(goals)
    missing = sorted({r.row for r in rows} - set(entries))
    extra = sorted(set(entries) - {r.row for r in rows})
    if missing or extra:
        raise InvalidInputError(f"goals.jsonl: rows without a goal {missing}, goals for unknown rows {extra}")
    tasks = [build_task(r, entries[r.row]) for r in rows]
    parse_task_lines([json.dumps(t) for t in tasks], source="saycan_101 (built)")  # every line must validate
    sizes = {f: sum(t["family"] == f for t in tasks) for f in FAMILY_SIZES}
    if sizes != FAMILY_SIZES:
        raise InvalidInputError(f"family sizes {sizes} differ from the paper's {FAMILY_SIZES}")
    return tasks


def render(tasks: list[dict]) -> str:
    return "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks)


# ------------------------------------------------------------------------------------------ reference plans
PLAN_OBJECTS = {"coke": "coke can", "pepsi": "pepsi can", "7up": "7up can", "sprite": "sprite can",
                "redbull": "redbull can", "red bull": "redbull can", "water": "water bottle"}
PLAN_LOCATIONS = {"trash": "trash can", "counter": "close counter"}


def normalize_query(text: str) -> str:
    """Loose form of an instruction for matching the plan file's queries to the 101 rows."""
    t = text.lower().replace("\u2019", "'")
    t = re.sub(r"[?.!,]", " ", t)
    t = re.sub(r"^\s*(how would you|please)\s+", "", t)
    return " ".join(t.split())


def map_plan_step(step: str) -> str:
    """Plan-file step -> our skill: 'find a coke' -> 'find a coke can', 'go to the trash' -> 'go to the trash can'."""
    s = step.strip().rstrip(".").strip()
    m = re.match(r"^(find|pick up|put down) (?:an? |the )?(.+)$", s)
    if m:
        verb, obj = m.groups()
        obj = PLAN_OBJECTS.get(obj, obj)
        return f"find {article(obj)} {obj}" if verb == "find" else f"{verb} the {obj}"
    m = re.match(r"^go to the (.+)$", s)
    if m:
        return f"go to the {PLAN_LOCATIONS.get(m.group(1), m.group(1))}"
    return s


def read_plans(path: Path = PLANS) -> list[tuple[str, list[str]]]:
    """(query, plan steps in our skill language) for every row of the plan file, in file order."""
    out = []
    for line in path.read_bytes().decode("utf-8").split("\r\n")[1:]:
        if not line.strip():
            continue
        query, plan = line.split("\t")
        steps = [p.strip().rstrip(",").strip() for p in re.split(r"(?:^|,)\s*\d+\.\s*", plan) if p.strip()]
        steps = [("done" if s.lower().startswith("done") else s) for s in steps]
        out.append((query, [map_plan_step(s) for s in steps]))
    return out


def reference_plans(rows: list[Row] | None = None, goals: dict[int, dict] | None = None,
                    plans_path: Path = PLANS) -> dict[int, list[list[str]]]:
    """Row number -> the plan file's plans for that row's instruction.

    A plan belongs to a row when its query equals the row's after ``normalize_query``, or when the row's goal entry
    lists it in ``plan_queries`` (an instruction of the plan file asking for the same thing, chosen by hand).
    """
    rows = rows if rows is not None else read_conditions()
    goals = goals if goals is not None else read_goals()
    by_query: dict[str, list[list[str]]] = {}
    for query, plan in read_plans(plans_path):
        by_query.setdefault(normalize_query(query), []).append(plan)
    out: dict[int, list[list[str]]] = {}
    for r in rows:
        queries = [r.query] + goals.get(r.row, {}).get("plan_queries", [])
        for q in queries[1:]:
            if normalize_query(q) not in by_query:
                raise InvalidInputError(f"goals.jsonl row {r.row}: plan query {q!r} is not in {plans_path.name}")
        plans = [p for q in dict.fromkeys(normalize_query(q) for q in queries) for p in by_query.get(q, [])]
        if plans:
            out[r.row] = plans
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="only compare a fresh build with --out")
    args = ap.parse_args(argv)
    text = render(build())
    if args.check:
        same = args.out.exists() and args.out.read_text("utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print(f"wrote {text.count(chr(10))} tasks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
