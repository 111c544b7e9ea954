"""Benchmark workers sharing one model server (--backend openai --base-url): bounded concurrency over all workers,
and a server that dies mid-run -- a clear error, no lost episodes: the failed one is recorded as an error and
``--resume`` (with the server back) reruns it (issue 14). The server is a fake OpenAI-compatible one on 127.0.0.1."""
import json
import threading
import time
from http.server import ThreadingHTTPServer

import pytest

from tests.agents.bench_helpers import SMOKE, episodes, run_cli
from tests.compose.test_openai_server import FakeServer

RUNNER = "kitchen=tests.agents.llm_runner:run_episode"
N_TASKS = 4  # kitchen_smoke tasks used (x 1 mode x 1 seed)


class ModelServer(FakeServer):
    """FakeServer on a chosen port that counts requests in flight and can die after ``die_after`` completions."""

    def __init__(self, port: int = 0, die_after: int | None = None, hold_s: float = 0.0):
        super().__init__()
        handler = self.httpd.RequestHandlerClass
        self.httpd.server_close()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a dying server drops connections quietly
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.die_after, self.hold_s = die_after, hold_s
        self.lock = threading.Lock()
        self.n = self.in_flight = self.max_in_flight = 0
        self.dead = False

    def complete(self, body):
        with self.lock:
            self.n += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            dying = self.die_after is not None and self.n > self.die_after
        try:
            if dying:
                self.kill()
                raise ConnectionAbortedError("the model server died")  # the handler drops the connection
            time.sleep(self.hold_s)
            return super().complete(body)
        finally:
            with self.lock:
                self.in_flight -= 1

    def kill(self):
        with self.lock:
            if self.dead:
                return
            self.dead = True

        def stop():
            self.httpd.shutdown()
            self.httpd.server_close()

        threading.Thread(target=stop, daemon=True).start()

    def __exit__(self, *exc):
        if not self.dead:
            super().__exit__(*exc)


def args(out, url, *extra):
    return ["--tasks", SMOKE, "--out", str(out), "--no-progress", "--runner", RUNNER, "--limit", str(N_TASKS),
            "--mode", "saycan", "--backend", "openai", "--base-url", url, "--model", "/models/smollm2-135m", *extra]


def effective(out) -> dict:
    """The records a resumed run would use: the last line per episode."""
    recs = {}
    for r in episodes(out):
        recs[(r["id"], r["mode"], r["seed"])] = r
    return recs


def test_server_dying_mid_run_is_a_clear_error_and_resume_reruns_the_failed_episode(tmp_path, capsys):
    out = tmp_path / "out"
    with ModelServer(die_after=5) as srv:  # 3 scoring requests per episode: dies inside the second episode
        code = run_cli(args(out, srv.url))
        err = capsys.readouterr().err
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: the model server failed during the run (ServerError: POST "
                               f"{srv.url}/completions failed after 3 attempt(s)")
    assert "--resume" in lines[0]
    recs = episodes(out)
    assert [r.get("error") is None for r in recs] == [True, False]  # one finished, one recorded as an error
    assert recs[1]["retry"] is True and "ServerError" in recs[1]["error"]

    with ModelServer(port=srv.port) as back:  # the server is back at the same address
        assert run_cli(args(out, back.url, "--resume")) == 0
    final = effective(out)
    assert len(final) == N_TASKS and not any(r.get("error") or r.get("retry") for r in final.values())
    results = json.loads((out / "results.json").read_text())
    assert results["modes"]["saycan"]["n"] == N_TASKS


@pytest.mark.slow
def test_process_workers_share_the_server_with_bounded_concurrency(tmp_path):
    with ModelServer(hold_s=0.4) as srv:
        code = run_cli(args(tmp_path / "one", srv.url, "--executor", "process", "--workers", "3",
                            "--server-concurrency", "1"))
        assert code == 0
        assert srv.max_in_flight == 1 and srv.n >= 3 * N_TASKS
        srv.max_in_flight = 0
        code = run_cli(args(tmp_path / "two", srv.url, "--executor", "process", "--workers", "3",
                            "--server-concurrency", "2"))
        assert code == 0
        assert 1 <= srv.max_in_flight <= 2
    assert len(effective(tmp_path / "one")) == len(effective(tmp_path / "two")) == N_TASKS


@pytest.mark.slow
def test_server_dying_under_process_workers_loses_no_episode(tmp_path, capsys):
    out = tmp_path / "out"
    with ModelServer(die_after=4, hold_s=0.2) as srv:
        assert run_cli(args(out, srv.url, "--executor", "process", "--workers", "2")) == 1
        assert "the model server failed during the run" in capsys.readouterr().err
    with ModelServer(port=srv.port) as back:
        assert run_cli(args(out, back.url, "--executor", "process", "--workers", "2", "--resume")) == 0
    final = effective(out)
    assert len(final) == N_TASKS and not any(r.get("error") for r in final.values())
