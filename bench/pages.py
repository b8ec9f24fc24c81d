"""Requests per second of the main pages, as a ratio of a minimal Django view.

Builds a fresh database with the demo content plus 50 courses and 200 journal posts,
serves it with gunicorn and production settings (DEBUG off) on loopback, and loads it
from a separate client process. Each page is measured in rounds interleaved with the
minimal view (/healthz/), so both see the same machine load; the printed ratio is the
median over rounds. It runs twice: with the anonymous page cache off, then on.

    make bench-pages            # or: .venv/bin/python bench/pages.py --seconds 3 --rounds 3
"""

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PAGES = {
    "home": "/",
    "catalogue": "/courses/",
    "course": "/courses/certificate-in-coaching-competence/",
    "journal index": "/journal/",
}
MINIMAL = "/healthz/"
TARGETS = {False: 0.10, True: 0.50}
# One throwaway key for the whole run, shared by the build steps and the server.
SECRET_KEY = secrets.token_urlsafe(50)


def environment(page_cache):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "website.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
        "VAR_DIR": str(WORK),
        "MEDIA_ROOT": str(WORK / "media"),
        "STATIC_ROOT": str(WORK / "static"),
        "PAGE_CACHE_ENABLED": "true" if page_cache else "false",
        "LOG_LEVEL": "WARNING",
    }


def manage(*args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(False),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build_site():
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    print("Building the data set (demo content + 50 courses + 200 posts)...", flush=True)
    manage("migrate", "--noinput")
    manage("seed_demo")
    manage("seed_bulk", "--courses", "50", "--posts", "200")
    manage("collectstatic", "--noinput")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(page_cache, workers):
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "website.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment(page_cache),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            fetch(base + MINIMAL)
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def fetch(url):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return response.read()


async def _one(port, request):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    status = await reader.readline()
    while await reader.read(65536):
        pass
    writer.close()
    return status.startswith(b"HTTP/1.1 200") or status.startswith(b"HTTP/1.0 200")


async def _load(port, path, seconds, concurrency):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    deadline = time.perf_counter() + seconds
    counts = {"ok": 0, "bad": 0}

    async def worker():
        while time.perf_counter() < deadline:
            counts["ok" if await _one(port, request) else "bad"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return counts["ok"] / (time.perf_counter() - started), counts["bad"]


def client_main(port, path, seconds, concurrency):
    rate, bad = asyncio.run(_load(port, path, seconds, concurrency))
    print(f"{rate:.1f} {bad}")


def measure(port, path, seconds, concurrency):
    """Run the load from a separate process so that it does not share our interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--client", str(port), path, str(seconds), str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    rate, bad = float(out[0]), int(out[1])
    if bad:
        raise RuntimeError(f"{path}: {bad} requests did not answer 200")
    return rate


def run_mode(page_cache, args):
    server, port = start_server(page_cache, args.workers)
    try:
        for path in [MINIMAL, *PAGES.values()]:  # warm: renditions, caches
            for _ in range(3):
                fetch(f"http://127.0.0.1:{port}{path}")
        ratios = {name: [] for name in PAGES}
        minimal_rates = []
        for _ in range(args.rounds):
            for name, path in PAGES.items():
                minimal = measure(port, MINIMAL, args.seconds, args.concurrency)
                page = measure(port, path, args.seconds, args.concurrency)
                minimal_rates.append(minimal)
                ratios[name].append((page / minimal, page))
        return ratios, statistics.median(minimal_rates)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        port, path, seconds, concurrency = args.client
        client_main(int(port), path, float(seconds), int(concurrency))
        return 0

    build_site()
    below = []
    for page_cache in (False, True):
        label = "cached" if page_cache else "uncached"
        ratios, minimal = run_mode(page_cache, args)
        print(
            f"\n{label}: minimal view {minimal:.0f} req/s (median); target ratio >= "
            f"{TARGETS[page_cache]:.2f}"
        )
        for name, values in ratios.items():
            ratio = statistics.median(r for r, _ in values)
            rate = statistics.median(p for _, p in values)
            verdict = "ok" if ratio >= TARGETS[page_cache] else "BELOW TARGET"
            if ratio < TARGETS[page_cache]:
                below.append(f"{label} {name}")
            print(f"  {label:<8} {name:<14} {rate:8.0f} req/s  ratio {ratio:.3f}  {verdict}")
    if below:
        print(f"\nBelow target: {', '.join(below)}")
    # A benchmark reports; it does not fail the build (the machine is shared and noisy).
    return 0


if __name__ == "__main__":
    sys.exit(main())
