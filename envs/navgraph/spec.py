"""The navigation graphs' entry in the world registry (envs.worlds)."""
from envs.worlds import WorldSpec

WORLD = WorldSpec(
    name="navgraph",
    env_id="socratic/NavGraph-v0",
    env_entry="envs.navgraph.env:NavGraphEnv",
    config="envs.navgraph.config:NavGraphConfig",
    goals="envs.navgraph.goals",
    replayer="envs.navgraph.replay:replay",
    episode_runner="agents.lmnav:run_episode",
    command="agents.lmnav",
    replay_extras="agents.replay_navgraph",
    trajectory_rerun="agents.replay_verify:rerun_navgraph",
    state_text="agents.pages.text:navgraph_state_lines",
    failure_check="agents.bench.failures:navgraph_failure",
    step_action="action",
)
