"""Web pages fetched from an http(s) URL: one download, bounded in time and size, with one clear
line for each way it can fail."""

from __future__ import annotations

import re
import zlib

from wirebrief.errors import FetchError
from wirebrief.inputs.document import size_text

#: Seconds a download may take in all: connecting, the headers and the body.
FETCH_TIMEOUT = 20.0
#: The largest web page wirebrief downloads; news pages are well under 2 MiB.
MAX_FETCH_BYTES = 10 * 1024 * 1024
#: Response types fetched pages may have, and the input kind each gives.
_FETCHABLE = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}


def is_url(source: str) -> bool:
    return bool(re.match(r"(?i)^https?://", str(source)))


def fetch(
    url: str, *, offline: bool = False, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_FETCH_BYTES
) -> tuple[bytes, str, str | None, str]:
    """Download a page: (bytes, input kind, declared charset, final URL after redirects).

    Refuses in offline mode, on a network failure, on an HTTP error, on a redirect away from
    http(s), on a response that is not a page of text, on one larger than `max_bytes` (after
    gzip decompression too), and when the whole exchange, headers included, takes longer than
    `timeout` seconds: each with one clear line.
    """
    import http.client

    if offline:
        raise FetchError(f"cannot fetch {url}: offline mode is on", hint="save the page and pass the file, or use --online")
    with _Deadline(timeout) as deadline:
        try:
            return _download(url, deadline, max_bytes)
        except (OSError, ValueError, http.client.HTTPException) as error:
            if deadline.expired:
                raise deadline.error(url) from None
            raise _fetch_error(url, error, timeout) from None


def _download(url: str, deadline: _Deadline, max_bytes: int) -> tuple[bytes, str, str | None, str]:
    import urllib.request

    from wirebrief import __version__

    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"wirebrief/{__version__} (news translation; +https://pypi.org/project/wirebrief/)",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9",
            "Accept-Encoding": "gzip",
        },
    )
    with _opener(deadline).open(request, timeout=deadline.seconds) as response:
        # Headers cut off by the watchdog read as complete to http.client: only headers that
        # came in time are an answer.
        deadline.answered = not deadline.expired
        content_type = response.headers.get_content_type()
        kind = _FETCHABLE.get(content_type)
        if kind is None:
            raise FetchError(f"{url} is {content_type}, not a web page or text")
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"{url} is {size_text(int(length))}, more than the {size_text(max_bytes)} wirebrief fetches")
        body = _body(response, url, deadline, max_bytes)
        return body, kind, response.headers.get_content_charset(), response.geturl()


def _body(response, url: str, deadline: _Deadline, max_bytes: int) -> bytes:  # response: http.client's
    """The response's body, decompressed if the server gzipped it, refused past `max_bytes`
    (sent or decompressed) and past the deadline."""
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(f"{url} is sent encoded as {encoding}, which wirebrief cannot read")
    # 47: a gzip or a zlib header, whichever the server wrote ("deflate" is often either).
    inflater = zlib.decompressobj(47) if encoding != "identity" else None
    chunks: list[bytes] = []
    sent = received = 0
    while not deadline.expired:
        # read1 returns what has arrived, so a server that trickles bytes is still stopped at
        # the deadline; between reads the deadline's watchdog closes the connection.
        chunk = response.read1(65536)
        if not chunk:
            break
        sent += len(chunk)
        if inflater is not None:
            chunk = _inflate(inflater, chunk, max_bytes - received, url)
        received += len(chunk)
        if sent > max_bytes or received > max_bytes:
            raise FetchError(f"{url} is larger than the {size_text(max_bytes)} wirebrief fetches")
        chunks.append(chunk)
    if deadline.expired:
        raise deadline.error(url)
    if inflater is not None and not inflater.eof:
        raise FetchError(f"{url}: the compressed page was cut short")
    if inflater is not None and inflater.unused_data:  # a second gzip member: rare, never dropped
        raise FetchError(f"{url}: the page is compressed in several parts, which wirebrief cannot read")
    return b"".join(chunks)


def _inflate(inflater, chunk: bytes, room: int, url: str) -> bytes:  # inflater: zlib's
    """A chunk decompressed, never to more than one byte past `room` (what a bomb would need)."""
    try:
        return inflater.decompress(chunk, max(room, 0) + 1)
    except zlib.error as error:
        raise FetchError(f"{url}: the compressed page cannot be read ({error})") from None


def _fetch_error(url: str, error: Exception, timeout: float) -> FetchError:
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return FetchError(f"{url}: HTTP {error.code} {error.reason}")
    if isinstance(error, urllib.error.URLError):
        if isinstance(error.reason, TimeoutError):
            return FetchError(f"{url} did not answer within {timeout:g} s")
        return FetchError(f"cannot reach {url}: {error.reason}")
    if isinstance(error, TimeoutError):
        return FetchError(f"{url} did not answer within {timeout:g} s")
    if isinstance(error, OSError) and error.strerror:
        return FetchError(f"cannot fetch {url}: {error.strerror}")
    # A malformed URL, a broken response.
    return FetchError(f"cannot fetch {url}: {' '.join(str(error).split()) or type(error).__name__}")


class _Deadline:
    """A watchdog over one download: when its time is up it shuts every connection the
    download opened, so that no read (headers sent a byte a second) waits any longer."""

    def __init__(self, seconds: float) -> None:
        import threading

        self.seconds = seconds
        self.expired = False
        #: Whether the headers had come in: what the error then says.
        self.answered = False
        self._sockets: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()

    def error(self, url: str) -> FetchError:
        return FetchError(f"{url} did not {'finish' if self.answered else 'answer'} within {self.seconds:g} s")

    def watch(self, sock) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock) -> None:
    import socket

    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side: nothing left to stop


def _opener(deadline: _Deadline):  # -> urllib.request.OpenerDirector
    """http(s) only (no ftp, file or data, not even by a redirect), each connection watched."""
    import urllib.request

    class Watched:
        def do_open(self, http_class, request, **kwargs):
            def connection(host, **args):
                conn = http_class(host, **args)
                create = conn._create_connection  # how http.client opens its socket, TLS or not

                def create_watched(*a, **k):
                    sock = create(*a, **k)
                    deadline.watch(sock)
                    return sock

                conn._create_connection = create_watched
                return conn

            return super().do_open(connection, request, **kwargs)

    class Plain(Watched, urllib.request.HTTPHandler):
        pass

    class Secure(Watched, urllib.request.HTTPSHandler):
        pass

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, request, fp, code, msg, headers, newurl):
            if not is_url(newurl):
                raise FetchError(f"{request.full_url} redirects to {newurl}, not to a web address (http or https)")
            return super().redirect_request(request, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), Plain(), Secure(), Redirects(),
        urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
    ):  # fmt: skip
        opener.add_handler(handler)
    return opener
