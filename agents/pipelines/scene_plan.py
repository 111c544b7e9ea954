"""Scene description -> generative plan (Socratic Models' robot variant) in the kitchen.

1. Simulator perception lists the objects the robot sees (optionally after a survey of every place), written as
   ``objects = ['sponge', 'water bottle']`` in the prompt (compose/prompts/socratic_kitchen_plan.txt).
2. The LLM writes the plan one step at a time (greedy, stopped at the line end).
3. Each step is snapped to the nearest skill text with the MiniLM embedder, and the snapped text -- not the raw
   one -- goes back into the prompt, so later steps build on executable ones. ``done`` (or max_steps) ends the plan.
4. Optionally the plan runs open-loop in the simulator and the task's goal is checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from compose.errors import InvalidInputError
from compose.pipelines.base import Pipeline, load_template
from compose.tools.embedder import TextEmbedder
from agents.tools.sim_perception import perceive, scene_objects_line

DONE = "done"


@dataclass
class PlanStep:
    generated: str  # the LLM's raw text
    skill: str  # the nearest skill text
    similarity: float


@dataclass
class ScenePlan:
    objects: list[str]
    steps: list[PlanStep] = field(default_factory=list)

    @property
    def plan(self) -> list[str]:
        return [s.skill for s in self.steps]


class SceneToPlan(Pipeline):
    def __init__(self, llm, embedder: TextEmbedder | None = None, skills: list[str] | None = None,
                 template: str = "socratic_kitchen_plan", max_steps: int = 12, verbose: bool = False, stream=None):
        super().__init__(verbose, stream)
        from envs.kitchen.language import kitchen_skill_texts

        self.llm = llm
        self.embedder = embedder or TextEmbedder()
        self.skills = list(skills or kitchen_skill_texts())
        if DONE not in self.skills:
            raise InvalidInputError("the skill list must contain 'done' so that plans can end")
        self.template = load_template(template)
        self.max_steps = max_steps

    def plan(self, instruction: str, objects: list[str]) -> ScenePlan:
        """Write a plan for ``instruction`` given the scene's object names."""
        if not isinstance(instruction, str) or not instruction.strip():
            raise InvalidInputError("the instruction is empty")
        prompt = self.template.render(objects="[" + ", ".join(repr(o) for o in objects) + "]",
                                      instruction=" ".join(instruction.split())).rstrip() + "\n"
        self.log("scene", scene_objects_line(objects))
        self.log("prompt", prompt)
        result = ScenePlan(objects=list(objects))
        for k in range(self.max_steps):
            ctx = prompt + "".join(f"{i + 1}. {s.skill}\n" for i, s in enumerate(result.steps)) + f"{k + 1}. "
            text = self.llm.generate([ctx], max_tokens=16, stop=["\n"], temperature=0.0)[0].strip().rstrip(".,")
            if not text:
                text = DONE
            (idx, sim), = self.embedder.nearest([text], self.skills)
            step = PlanStep(text, self.skills[idx], sim)
            result.steps.append(step)
            self.log("llm", f"{k + 1}. {text!r} -> {step.skill!r} (similarity {sim:.2f})")
            if step.skill == DONE:
                break
        self.log("plan", ", ".join(result.plan))
        return result

    # -- in the simulator --------------------------------------------------------------------------------------------
    def scene_objects(self, env, survey: bool = False) -> list[str]:
        """Objects the robot perceives now, plus what it remembers; ``survey`` first visits every place."""
        if survey:
            from envs.kitchen.vocab import LOCATIONS

            start = perceive(env).location
            for loc in LOCATIONS:
                if loc not in ("user", start):
                    env.step(f"go to the {loc}")
                    self.log("survey", f"at the {loc}: {', '.join(perceive(env).visible) or 'nothing'}")
        p = perceive(env)
        names = list(p.visible)
        for loc_objects in (p.extra.get("seen") or {}).values():
            names += list(loc_objects)
        if p.holding:
            names.append(p.holding)
        return list(dict.fromkeys(names))

    def run_in_sim(self, task: dict, seed: int = 0, survey: bool = False) -> dict:
        """Perceive, plan, execute open-loop in the kitchen simulator; check ``task['goal']`` when present."""
        from envs.kitchen.env import KitchenEnv
        from envs.kitchen.state import KitchenState

        init = task.get("init")
        if init is not None:
            KitchenState.from_init(init)
        env = KitchenEnv(render=False)
        try:
            env.reset(seed=seed, options={"init": init} if init is not None else None)
            objects = self.scene_objects(env, survey=survey)
            result = self.plan(task["instruction"], objects)
            executed = []
            for skill in result.plan:
                _, _, terminated, truncated, info = env.step(skill)
                executed.append({"skill": skill, "success": bool(info["success"]), "reason": info.get("reason", "")})
                self.log("act", f"{skill} -> {'ok' if info['success'] else 'failed: ' + info.get('reason', '')}")
                if terminated or truncated:
                    break
            final = env.unwrapped.kitchen_state()
        finally:
            env.close()
        goal_met = None
        if task.get("goal") is not None:
            from envs.kitchen.goals import check_goal

            goal_met = bool(check_goal(task["goal"], final))
            self.log("goal", f"met: {goal_met}")
        return {"objects": objects, "plan": result.plan, "generated": [s.generated for s in result.steps],
                "executed": executed, "goal_met": goal_met, "final_state": final.to_dict()}
