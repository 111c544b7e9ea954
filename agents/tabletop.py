"""One episode on the tabletop (SayCan's / Socratic Models' pick-and-place table): perceive, plan, act, check.

``run_episode(task, config, seed, llm=None, on_step=None) -> dict`` is pure apart from the per-process model cache:
the same task, config and seed give the same record, whichever process runs it. Modes (``config.mode``):

- ``saycan``: p_LLM(skill | prompt, instruction, steps so far) x affordance from perception;
- ``llm``: p_LLM alone; ``oracle-plan``: follow ``config.oracle_plan``;
- ``generative``: Socratic Models' variant -- the LLM writes each step after a scene description
  ``objects = [...]`` built from perception, and the text is mapped to the nearest skill with MiniLM.

Every mode's prompt starts with the perceived ``objects = [...]`` line (as in SayCan's tabletop notebook).
World knobs (``--set``): ``envs.tabletop.config.TabletopConfig`` -- ``options`` ("scene": skills for the task's blocks
and bowls, default; "all": every colour), ``noise`` ("default" | "none"), ``classifier`` ("colour" | "dual-encoder" |
"auto").
"""
from __future__ import annotations

from agents.config import EpisodeConfig
from agents.episode import SkillWorld, run_skill_episode
from agents.planner import load_prompt
from agents.planners import PLANNERS
from agents.planners.scene import tabletop_scene_text
from envs.tabletop.config import TabletopConfig
from envs.tabletop.goals import check_goal, plan_success, validate_goal, validate_init
from envs.tabletop.vocab import ALL_SKILL_TEXTS, COLOURS
from envs.tabletop.world import DEFAULT_INIT

PROMPT, WRITING_PROMPT = "saycan_tabletop", "socratic_tabletop"  # the latter for planners that write each step


def make_env(config: EpisodeConfig):
    from envs.tabletop.env import TabletopEnv

    knobs = config.knobs(TabletopConfig)
    return TabletopEnv(render_mode="rgb_array", classifier=knobs.classifier, noise=knobs.make_noise(),
                       max_steps=10**6)


class TabletopEpisode(SkillWorld):
    """The tabletop's hooks for ``agents.episode.run_skill_episode``."""

    name = "tabletop"

    def start_state(self) -> dict:
        from skills.tabletop import tabletop_library

        init = self.task.get("init") or DEFAULT_INIT
        validate_init(init, "init")
        goal = self.task.get("goal")
        if goal is not None:
            validate_goal(goal, "goal")
        scene = self.config.knobs(TabletopConfig).options == "scene"
        self.library = tabletop_library(*((init["blocks"], init.get("bowls", [])) if scene else (COLOURS, COLOURS)))
        return init

    def open(self, init: dict, seed: int, render: bool) -> None:
        self.env = make_env(self.config)
        self.env.reset(seed=seed, options={"init": init})
        self.world = self.env.unwrapped.world

    def state(self) -> dict:
        return self.world.state()

    def prompt(self) -> str:
        perception = self.world.perceive()
        prompt = load_prompt(WRITING_PROMPT if PLANNERS.get(self.config.mode).writes_steps else PROMPT)
        return prompt + tabletop_scene_text(perception.names()) + "\n"

    def observe(self):
        perception = self.world.perceive()
        return perception.summary(), self.library.texts, self.library.affordances(perception)

    def act(self, decision):
        _, _, _, truncated, info = self.env.step(ALL_SKILL_TEXTS.index(decision.skill))
        return info, truncated

    def sim_time(self) -> float:
        return self.world.sim_time

    def frame(self):
        return self.world.render()

    def check_goal(self, goal, state) -> bool:
        return check_goal(goal, state)

    def plan_success(self, init: dict, seed: int, plan: list[str]) -> bool:
        return plan_success({**self.task, "init": init, "seed": self.task.get("seed", seed)}, plan)

    def metrics(self) -> dict:
        return {"n_options": len(self.library)}


def run_episode(task: dict, config: EpisodeConfig, seed: int, llm=None, on_step=None) -> dict:
    """Run one tabletop task. ``on_step(step_dict)`` is called after every step (CLI display)."""
    return run_skill_episode(TabletopEpisode(task, config), seed, llm=llm, on_step=on_step)
