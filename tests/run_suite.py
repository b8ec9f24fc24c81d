"""Run the whole test suite on SQLite, then on PostgreSQL.

PostgreSQL is, in order: the server named by TEST_POSTGRES_URL; one answering on
127.0.0.1:5432 as user `postgres`; or a throwaway cluster started from the machine's
PostgreSQL binaries (initdb, pg_ctl) and removed afterwards. Outside CI a missing
PostgreSQL skips that run with one line saying so; with CI=true it is a failure.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "test-results"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def run_pytest(label, database_url, extra_args):
    RESULTS.mkdir(parents=True, exist_ok=True)
    junit = RESULTS / f"{label}.xml"
    env = {**os.environ, "DATABASE_URL": database_url, "TEST_DATABASE_LABEL": label}
    print(f"\n=== Test suite on {label} ===", flush=True)
    code = subprocess.call([*PYTEST, f"--junitxml={junit}", *extra_args], cwd=ROOT, env=env)
    return code, junit


def counts(junit):
    if not junit.exists():
        return {"passed": 0, "failed": 1, "skipped": 0}
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    return {"passed": total - failed - skipped, "failed": failed, "skipped": skipped}


def port_open(host, port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def find_pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary folder, on a free local port."""

    def __init__(self):
        self.initdb = find_pg_bin("initdb")
        self.pg_ctl = find_pg_bin("pg_ctl")
        self.folder = None
        self.port = None

    @property
    def available(self):
        return bool(self.initdb and self.pg_ctl)

    def _as_owner(self, command):
        # PostgreSQL refuses to run as root; use the `postgres` account when we are root.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return command

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="coaching-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        data = os.path.join(self.folder, "data")
        subprocess.run(
            self._as_owner([self.initdb, "-D", data, "-U", "postgres", "-A", "trust"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -F"
        subprocess.run(
            self._as_owner(
                [self.pg_ctl, "-D", data, "-o", options, "-l", f"{self.folder}/log", "-w", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/coaching_portal"

    def stop(self):
        if self.folder:
            subprocess.run(
                self._as_owner([self.pg_ctl, "-D", f"{self.folder}/data", "-m", "fast", "stop"]),
                stdout=subprocess.DEVNULL,
                check=False,
            )
            shutil.rmtree(self.folder, ignore_errors=True)


def main():
    extra = sys.argv[1:]
    results = {}
    code, junit = run_pytest("sqlite", f"sqlite:///{ROOT / 'var' / 'test.sqlite3'}", extra)
    results["sqlite"] = (code, counts(junit))

    cluster = None
    pg_url = os.environ.get("TEST_POSTGRES_URL")
    if (
        not pg_url
        and os.environ.get("TEST_POSTGRES") != "throwaway"
        and port_open("127.0.0.1", 5432)
    ):
        pg_url = "postgres://postgres@127.0.0.1:5432/coaching_portal"
    if not pg_url:
        cluster = ThrowawayCluster()
        if cluster.available:
            print("Starting a throwaway PostgreSQL cluster for the tests.", flush=True)
            pg_url = cluster.start()
            time.sleep(0.5)
    try:
        if pg_url:
            code, junit = run_pytest("postgresql", pg_url, extra)
            results["postgresql"] = (code, counts(junit))
        elif IN_CI:
            print("FAILED: no PostgreSQL found (CI=true does not allow skipping it).")
            results["postgresql"] = (1, {"passed": 0, "failed": 1, "skipped": 0})
        else:
            print("SKIPPED: the PostgreSQL run (no server on 127.0.0.1:5432, no initdb found).")
    finally:
        if cluster:
            cluster.stop()

    total = {"passed": 0, "failed": 0, "skipped": 0}
    print("\n=== Summary ===")
    for label, (code, numbers) in results.items():
        print(
            f"{label}: {numbers['passed']} passed, {numbers['failed']} failed, "
            f"{numbers['skipped']} skipped (exit {code})"
        )
        for key in total:
            total[key] += numbers[key]
    if IN_CI and total["skipped"]:
        print("FAILED: tests were skipped under CI=true.")
        total["failed"] += total["skipped"]
    failed = any(code != 0 for code, _ in results.values()) or total["failed"]
    print(f"{total['passed']} passed, {total['failed']} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
