"""The kitchen's entry in the world registry (envs.worlds)."""
from envs.worlds import WorldSpec

WORLD = WorldSpec(
    name="kitchen",
    env_id="socratic/Kitchen-v0",
    env_entry="envs.kitchen.env:KitchenEnv",
    config="envs.kitchen.config:KitchenConfig",
    goals="envs.kitchen.goals",
    replayer="envs.kitchen.replay:replay",
    episode_runner="agents.kitchen_episode:run_episode",
    command="agents.saycan",
    default_init="envs.kitchen.state:DEFAULT_INIT",
    outcome_printer="agents.display:print_outcome",
    trajectory_rerun="agents.replay_verify:rerun_kitchen",
    state_text="agents.pages.text:kitchen_state_lines",
    failure_check="agents.bench.failures:kitchen_failure",
    default_mode="goal",
)
