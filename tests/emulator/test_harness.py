"""The harness itself: a killed test run leaves no emulator behind."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    stat = pathlib.Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def accepting(port):
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_sigkill_of_the_test_process_takes_the_server_down():
    runner = subprocess.Popen([sys.executable, str(pathlib.Path(__file__).with_name("harness.py"))],
                              stdout=subprocess.PIPE, text=True)
    server_pid, port = map(int, runner.stdout.readline().split())
    assert alive(server_pid) and accepting(port)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    deadline = time.monotonic() + 15
    while alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(server_pid), "moto_server outlived the test process"
    assert not accepting(port)
