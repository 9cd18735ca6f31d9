"""A model that is not here, with no network: said in one line within seconds, from one short
probe of the hub, never the hub client's minute of retries. No test here reaches the internet:
the hub is played by local sockets."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirebrief import models
from wirebrief.errors import ModelError, ModelNotFoundError
from wirebrief.models import ModelRef, ensure_fetchable, resolve

#: A hang check, not a timing test: the probe's own bound is a few seconds.
HANG_BOUND = 10.0
ABSENT = ModelRef("google/flan-t5-xl", "google/flan-t5-xl", is_local=False)


@pytest.fixture(autouse=True)
def fresh_probe(monkeypatch) -> None:
    """Each test probes anew, straight to the local sockets, not through a proxy."""
    monkeypatch.setattr(models, "_probe_results", {})
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def closed_port(monkeypatch) -> str:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    return endpoint


@pytest.fixture
def silent_server(monkeypatch) -> Iterator[str]:
    """A server that accepts connections (the kernel does, from the backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    yield endpoint
    listener.close()


def answering_server(monkeypatch, status: int, *, scheme: str = "http") -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"{scheme}://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hub_404(monkeypatch):
    yield from answering_server(monkeypatch, 404)


@pytest.fixture
def hub_503(monkeypatch):
    yield from answering_server(monkeypatch, 503)


@pytest.fixture
def plain_http_at_https(monkeypatch):
    yield from answering_server(monkeypatch, 200, scheme="https")


@pytest.fixture
def garbage_server(monkeypatch) -> Iterator[str]:
    """A server that answers every connection with bytes that are not HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(1024)
                connection.sendall(b"SSH-2.0-OpenSSH_9.6 not a web server\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{listener.getsockname()[1]}")
    yield
    listener.close()


@pytest.fixture
def thread_crashes(monkeypatch) -> list:
    """Exceptions that escaped a thread: the probe must turn every failure into a reason."""
    crashes: list = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    return crashes


def raised_quickly(call) -> Exception:
    started = time.monotonic()
    with pytest.raises(ModelError) as caught:
        call()
    assert time.monotonic() - started < HANG_BOUND
    return caught.value


def test_a_closed_port_is_said_in_one_line_naming_model_cache_and_fix(closed_port):
    error = raised_quickly(lambda: ensure_fetchable(ABSENT, "summary", offline=False))
    assert isinstance(error, ModelNotFoundError) and error.exit_code == 4
    line = error.one_line()
    assert "\n" not in line
    assert "google/flan-t5-xl" in line and models.hub_cache_dir() in line
    assert f"hub ({closed_port}) could not be reached" in line
    assert "refused" in line.lower()
    assert "--summary-model PATH" in line and "wirebrief models pull google/flan-t5-xl" in line


def test_a_server_that_never_answers_costs_the_probe_bound_not_a_hang(silent_server):
    error = raised_quickly(lambda: ensure_fetchable(ABSENT, "translation", offline=False))
    assert isinstance(error, ModelNotFoundError)
    line = error.one_line()
    assert "\n" not in line and "could not be reached" in line
    assert "timed out" in line or "no answer" in line


def test_the_hub_is_probed_once_per_process(closed_port, monkeypatch):
    calls = []
    real = models._ask_hub
    monkeypatch.setattr(models, "_ask_hub", lambda *args: (calls.append(args), real(*args)))
    for role in ("translation", "summary", "pivot"):
        with pytest.raises(ModelNotFoundError):
            ensure_fetchable(ABSENT, role, offline=False)
    assert len(calls) == 1


def no_probe(*args) -> None:
    pytest.fail("a model that needs no download must not cost a probe of the hub")


def test_a_local_model_folder_makes_no_probe(tmp_path, monkeypatch, closed_port):
    monkeypatch.setattr(models, "_ask_hub", no_probe)
    (tmp_path / "config.json").write_text("{}")
    ensure_fetchable(resolve(str(tmp_path)), "translation", offline=False)


def test_a_model_in_the_hub_cache_makes_no_probe(tmp_path, monkeypatch, closed_port):
    from huggingface_hub import constants

    snapshot = tmp_path / "models--google--flan-t5-xl" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--google--flan-t5-xl" / "refs").mkdir()
    (tmp_path / "models--google--flan-t5-xl" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(models, "_ask_hub", no_probe)
    ensure_fetchable(ABSENT, "summary", offline=False)


def test_offline_says_so_without_a_probe(monkeypatch, closed_port):
    monkeypatch.setattr(models, "_ask_hub", no_probe)
    error = raised_quickly(lambda: ensure_fetchable(ABSENT, "summary", offline=True))
    assert "offline mode is on" in error.one_line()


def test_a_local_folder_without_a_model_is_not_looked_for_on_the_hub(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "_ask_hub", no_probe)
    ref = ModelRef(str(tmp_path), str(tmp_path), is_local=True)
    with pytest.raises(ModelNotFoundError, match="has no config.json"):
        ensure_fetchable(ref, "translation", offline=False)


def test_a_hub_that_answers_even_404_lets_the_download_go_ahead(hub_404):
    assert ensure_fetchable(ABSENT, "summary", offline=False) is None


def test_a_hub_answering_5xx_counts_as_unreachable(hub_503):
    error = raised_quickly(lambda: ensure_fetchable(ABSENT, "summary", offline=False))
    assert "HTTP 503" in error.one_line()


def test_a_tls_failure_is_left_to_the_hub_client(plain_http_at_https):
    # Something answered; Python's certificates are not the hub client's to judge by.
    assert ensure_fetchable(ABSENT, "summary", offline=False) is None


@pytest.fixture
def pull_online(monkeypatch, tmp_path) -> list:
    """pull with offline mode off, an empty hub cache, and the hub client's calls recorded: it
    may only look in its cache once the probe failed, never start its retries."""
    import huggingface_hub
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    calls: list = []
    real = huggingface_hub.snapshot_download

    def cache_only(*args, **kwargs):
        calls.append(kwargs)
        if not kwargs.get("local_files_only"):
            pytest.fail("snapshot_download must not go online when the probe failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", cache_only)
    return calls


def test_pull_without_a_network_fails_in_one_line_fast(closed_port, pull_online):
    error = raised_quickly(lambda: models.pull("flan-t5-small"))
    line = error.one_line()
    assert "\n" not in line and error.exit_code == 4
    assert "google/flan-t5-small" in line and f"hub ({closed_port}) could not be reached" in line
    assert pull_online == [{"ignore_patterns": models._OTHER_FRAMEWORKS, "local_files_only": True}]


def test_pull_without_a_network_keeps_a_model_already_in_the_cache(closed_port, pull_online, tmp_path):
    snapshot = tmp_path / "models--google--flan-t5-small" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--google--flan-t5-small" / "refs").mkdir()
    (tmp_path / "models--google--flan-t5-small" / "refs" / "main").write_text("0" * 40)
    assert models.pull("flan-t5-small") == snapshot


def test_a_server_that_does_not_speak_http_is_unreachable_without_a_traceback(garbage_server, thread_crashes):
    error = raised_quickly(lambda: ensure_fetchable(ABSENT, "summary", offline=False))
    assert "did not answer in HTTP" in error.one_line()
    assert thread_crashes == []


@pytest.mark.parametrize("endpoint", ["not-a-url", "ftp://127.0.0.1:1"])
def test_an_hf_endpoint_that_is_no_http_url_is_said_in_the_line(monkeypatch, thread_crashes, endpoint):
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    error = raised_quickly(lambda: ensure_fetchable(ABSENT, "summary", offline=False))
    assert f"hub ({endpoint}) could not be reached" in error.one_line()
    assert thread_crashes == []


def test_a_brief_online_with_no_hub_stops_before_any_work_and_before_torch(tmp_path):
    """The CLI end to end: default hub models, not offline, the hub a closed port: one line,
    exit 4, and neither torch nor transformers imported (the refusal comes first)."""
    import subprocess
    import sys

    article = tmp_path / "artikel.txt"
    article.write_text("De minister sprak dinsdag in Brussel over de plannen van het kabinet voor de komende "
                       "jaren. Het kabinet beraadt zich nog over de gevolgen.\n", encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if key not in ("HF_HUB_OFFLINE", "WIREBRIEF_OFFLINE")}
    environment["HF_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    code = ("import sys\nfrom wirebrief.cli import main\nsys.argv = ['wirebrief', 'brief', sys.argv[1], '--format', 'json']\n"
            "try:\n    main()\nexcept SystemExit as end:\n"
            "    print(end.code, 'torch' in sys.modules, 'transformers' in sys.modules, file=sys.stdout)\n")
    result = subprocess.run([sys.executable, "-c", code, str(article)], capture_output=True, text=True,
                            env=environment, timeout=120)
    assert result.stdout.split() == ["4", "False", "False"], result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not be reached" in lines[0] and "Helsinki-NLP/opus-mt-nl-en" in lines[0]
