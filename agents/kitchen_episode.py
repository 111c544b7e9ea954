"""One SayCan episode in the physical kitchen: plan closed-loop with the LLM and affordances, act, check the goal.

``run_episode(task, config, seed, llm=None) -> dict`` is pure apart from the per-process model cache: the same task,
config and seed give the same record, whichever process runs it.
"""
from __future__ import annotations

from agents.config import EpisodeConfig
from agents.episode import SkillWorld, check_instruction, run_skill_episode  # noqa: F401  (check_instruction: re-exported)
from agents.planner import load_prompt
from envs.kitchen.config import KitchenConfig
from envs.kitchen.state import DEFAULT_INIT, KitchenState


class KitchenEpisode(SkillWorld):
    """The kitchen's hooks for ``agents.episode.run_skill_episode``."""

    name = "kitchen"

    def start_state(self) -> dict:
        init = self.task.get("init") or DEFAULT_INIT
        KitchenState.from_init(init)  # validate before starting the simulator
        self.knobs = self.config.knobs(KitchenConfig)
        return init

    def open(self, init: dict, seed: int, render: bool) -> None:
        from envs.kitchen.env import KitchenEnv

        self.env = KitchenEnv(render_mode="rgb_array", render=render)
        self.env.reset(seed=seed, options={"init": init})
        self.world = self.env.unwrapped
        if self.knobs.perception == "learned":
            from agents.perception.learned import use_learned_perception

            use_learned_perception(self.env)

    def state(self) -> KitchenState:
        return self.world.kitchen_state()

    def state_record(self, state: KitchenState) -> dict:
        return state.to_dict()

    def prompt(self) -> str:
        return load_prompt("saycan_kitchen")

    def observe(self):
        return _perception_summary(self.world.perceive()), self.world.skill_texts, self.world.affordances()

    def act(self, decision):
        _, _, _, truncated, info = self.env.step(decision.index)
        return info, truncated

    def sim_time(self) -> float:
        return self.world.sim_time

    def frame(self):
        return self.world.render_frame()

    def check_goal(self, goal, state) -> bool:
        from envs.kitchen.goals import check_goal

        return check_goal(goal, state)

    def plan_success(self, init: dict, seed: int, plan: list[str]) -> bool:
        from envs.kitchen.goals import plan_success

        return plan_success(self.task, plan)


def run_episode(task: dict, config: EpisodeConfig, seed: int, llm=None, on_step=None) -> dict:
    """Run one kitchen task. ``on_step(step_dict)`` is called after every step (CLI display)."""
    return run_skill_episode(KitchenEpisode(task, config), seed, llm=llm, on_step=on_step)


def _perception_summary(p: dict) -> dict:
    return {"location": p.get("location"), "visible": list(p.get("visible", [])), "holding": p.get("holding"),
            "drawer_open": bool(p.get("drawer_open")), "seen": {k: list(v) for k, v in p.get("seen", {}).items()},
            "unexplored": list(p.get("unexplored", []))}
