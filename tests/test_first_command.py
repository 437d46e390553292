"""The README's first command on this machine: `./gongyu up` sets up, then serves the admin,
runs the worker and serves the parent site, until Ctrl-C."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent


def processes_started_by(root):
    """{pid: "pid ppid sid state elapsed command"} of `root` and every process descended from it
    (for the failure message when a stop hangs)."""
    rows = subprocess.run(["ps", "-eo", "pid=,ppid=,sid=,stat=,etime=,args="], capture_output=True, text=True).stdout
    table = {int(line.split()[0]): (int(line.split()[1]), line.strip()) for line in rows.splitlines() if line.strip()}
    found, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return {pid: table[pid][1] for pid in sorted(found) if pid in table}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what):
    """Poll `condition` until it returns something true, with a deadline. A request that fails or
    is slow to answer (a busy CI machine) counts as "not yet", never as a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except requests.RequestException:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_up_serves_the_admin_with_the_demo_runs_the_worker_and_serves_the_site(tmp_path):
    port, site_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGYU_", "DJANGO_"))}
    env.update(GONGYU_VAR_DIR=str(tmp_path / "var"), GONGYU_PORT=str(port), GONGYU_SITE_PORT=str(site_port),
               GONGYU_VENV=sys.prefix)
    # As in a terminal, the script starts with SIGINT at its default. A test run started in the
    # background by a non-interactive shell (as a CI runner may) inherits SIGINT *ignored*, and a
    # shell cannot trap a signal ignored on entry: Ctrl-C would then do nothing at all.
    process = subprocess.Popen(["./gongyu", "up"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    try:
        wait_for(lambda: any(line.startswith("密码:") for line in lines) or process.poll() is not None, 900,
                 "the login to be printed")
        output = "".join(lines)
        assert process.poll() is None, output
        password = re.search(r"^密码: (\S+)$", output, re.M).group(1)
        assert f"http://localhost:{port}/admin/" in output

        admin = f"http://127.0.0.1:{port}/admin/"
        session = requests.Session()
        wait_for(lambda: session.get(admin + "login/", timeout=60).ok, 300, "the admin")
        response = session.post(admin + "login/", data={
            "username": "admin", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"],
        }, headers={"Referer": admin + "login/"}, timeout=120)
        assert response.ok and 'lang="zh-hans"' in response.text
        problems = session.get(admin + "snippets/taxonomy/problem/", timeout=120)
        assert "孩子沉迷手机" in problems.text and "P031" in problems.text
        explorer = session.get(admin + "pages/", timeout=120)
        assert "家长课程超市" in explorer.text

        # The worker runs what the import queued: Wagtail's reference-index tasks and the demo
        # videos' transcoding (58 of them; the first ones are ready long before the last).
        database = tmp_path / "var" / "gongyu.sqlite3"

        def worker_ran():
            with sqlite3.connect(database) as db:
                tasks = dict(db.execute("SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))
                ready = db.execute("SELECT COUNT(*) FROM transcoding_videoasset WHERE status = 'ready'").fetchone()[0]
            return tasks.get("SUCCESSFUL", 0) > 0 and ready > 0 and (tasks, ready)

        wait_for(worker_ran, 300, "the worker to run queued tasks and transcode a demo video")

        site = requests.get(f"http://127.0.0.1:{site_port}/", timeout=120)
        assert site.ok and "家长课程超市" in site.content.decode("utf-8")

        # The terminal stays calm: the worker's task chatter goes to var/log/worker.log, and
        # one line says how the demo videos' transcoding is going.
        wait_for(lambda: any(line.startswith("视频:") for line in lines), 120, "the videos line")
        output = "".join(lines)
        assert "Task id=" not in output and "Traceback" not in output, output[-3000:]
        assert (tmp_path / "var" / "log" / "worker.log").stat().st_size > 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            # The script's own grace period is 20 s before SIGKILL; the deadline leaves room for
            # a machine under heavy load.
            process.wait(timeout=180)
        except subprocess.TimeoutExpired:
            left = processes_started_by(process.pid)
            os.killpg(process.pid, signal.SIGKILL)
            for pid in left:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
            raise AssertionError("./gongyu up 在 Ctrl-C 后 180 秒内没有退出。仍在运行:\n"
                                 + "\n".join(left.values()) + "\n输出:\n" + "".join(lines)[-3000:]) from None
    assert process.returncode == 0, "".join(lines)[-3000:]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=5)
