"""One exception family for the whole project, so command lines can turn any of them into a message and exit code."""


class SocraticError(Exception):
    """Base class: every error raised on purpose by this project. CLIs print its message and exit non-zero."""

    exit_code = 1


class InvalidInputError(SocraticError, ValueError):
    """The caller passed something unusable (empty options, bad task text, corrupt file...)."""

    exit_code = 2


class ModelNotFoundError(SocraticError, FileNotFoundError):
    """Weights for a model name could not be found locally; the message says what to install or which path to set."""


class BackendUnavailableError(SocraticError, ImportError):
    """An optional backend's library is not installed; the message carries the install hint."""


class ServerError(SocraticError, ConnectionError):
    """A model server is down, too slow, or answered with an error after the bounded retries."""


class UnknownNameError(SocraticError, KeyError):
    """A registry lookup failed; the message lists the known names."""

    exit_code = 2

    def __init__(self, kind: str, name: str, known):
        self.kind, self.name, self.known = kind, name, sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(self.known) or '(none)'}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


def optional_import(module: str, extra: str, pip_name: str | None = None):
    """Import an optional heavy dependency, or raise BackendUnavailableError with an install hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        hint = f"pip install 'socratic-agents[{extra}]'" + (f" (or: pip install {pip_name})" if pip_name else "")
        raise BackendUnavailableError(f"{module} is not installed ({exc}); install it with: {hint}") from exc


def run_cli(main, argv=None) -> int:
    """Run a command line's ``main(argv)``: a SocraticError becomes 'error: ...' on stderr and its exit code,
    Ctrl-C exit code 130 -- never a traceback for bad input."""
    import sys

    try:
        return main(argv) or 0
    except SocraticError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` or a closed pager: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
