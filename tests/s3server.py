"""moto's S3 server as a real HTTP endpoint on localhost, for tests that talk to S3."""

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import requests

MOTO = Path(sys.executable).parent / "moto_server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(process, endpoint, deadline_seconds=120):
    """Wait for the server to answer HTTP, with a generous deadline (a busy CI machine can take
    many seconds to start it) and no per-request timeout that a slow first answer could trip."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with status {process.returncode} before serving")
        try:
            requests.get(endpoint, timeout=max(1.0, deadline - time.monotonic()))
            return
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not answer at {endpoint} within {deadline_seconds} s") from None
            time.sleep(0.2)


@contextlib.contextmanager
def moto_server():
    """Yield (boto3 client, endpoint URL) of a fresh moto server; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen([str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, endpoint)
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
        yield client, endpoint
    finally:
        process.terminate()
        process.wait(10)
