"""Self-contained HTML pages for people: one page per episode and a benchmark report.

    html      the shared page shell (CSS, small scripts), escaping, inline images, score bars, sortable tables
    text      readable sentences for goals, states, perception and outcomes (also used by the terminal output)
    episode   ``write_episode_page(record, path)``: the page of one episode (record folder or benchmark record)
    report    ``write_report(out_dir, ...)``: report.html beside a benchmark's results.md, with episode pages

Every page is one file: images are inlined as base64, the CSS and the few lines of JavaScript are in the page, and
nothing is fetched from a server. The failure taxonomy the report shows lives in ``agents.bench.failures``.
"""
