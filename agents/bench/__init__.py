"""The benchmark harness behind ``python -m agents.benchmark``: configs, episode specs, executors, storage, reports.

    config   BenchConfig (frozen) and the command-line parser
    runner   EpisodeSpec, make_specs, run_spec: one pure episode, any process
    executors  serial | process | ray (registry EXECUTORS)
    store    episodes.jsonl, durable appends, resume
    report / plots / stats   results.json, results.md, PNGs, Wilson intervals
"""
