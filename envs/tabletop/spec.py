"""The tabletop's entry in the world registry (envs.worlds)."""
from envs.worlds import WorldSpec

WORLD = WorldSpec(
    name="tabletop",
    env_id="socratic/Tabletop-v0",
    env_entry="envs.tabletop.env:TabletopEnv",
    config="envs.tabletop.config:TabletopConfig",
    goals="envs.tabletop.goals",
    replayer="envs.tabletop.replay:replay",
    episode_runner="agents.tabletop:run_episode",
    command="agents.saycan",
    default_init="envs.tabletop.world:DEFAULT_INIT",
    outcome_printer="agents.display:print_outcome",
    trajectory_rerun="agents.replay_verify:rerun_tabletop",
    state_text="agents.pages.text:tabletop_state_lines",
    failure_check="agents.bench.failures:tabletop_failure",
)
