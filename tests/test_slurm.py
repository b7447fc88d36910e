"""Sweeps on a real SLURM through dask-jobqueue: a single-node SLURM started by the test.

The fixture starts Debian's munged, slurmctld and slurmd on 127.0.0.1 with a slurm.conf, a munge key
and every state, spool, pid and log file of its own under tmp_path
(ProctrackType=proctrack/linuxproc, TaskPlugin=task/none: no cgroups, no systemd), on random ports,
and waits until `sinfo` shows the node idle. The test runs a small copy of the shipped
`sweeps/un_police_grid.yaml` (12 points) on a LocalCluster, then with `threatnet sweep --scheduler`
on a `dask_jobqueue.SLURMCluster` that `adapt` keeps at two one-worker jobs. Once points are being
written it `scancel`s the job whose worker is running a point, checks that SLURM cancelled it, that
its worker left the scheduler and that the cluster submitted a replacement job, and requires the
finished table (and point summary) to equal the LocalCluster's, with every point exactly once.
Teardown cancels every job and stops every daemon it started, then kills any process left whose
environment carries this test's SLURM_CONF (jobs and slurmstepd), even when the test failed.

Skipped only where SLURM is not installed (or not run as root) and THREATNET_REQUIRE_SLURM is not
set; `make test` installs slurm-wlm and munge (`make slurm`) and sets it, so CI cannot skip this.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.sweep.runner import WORKER_ENV, read_replicates, run_sweep
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "sweeps" / "un_police_grid.yaml"
REQUIRED = bool(os.environ.get("THREATNET_REQUIRE_SLURM"))
SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")
FOUND = {name: shutil.which(name, path=SEARCH) for name in PROGRAMS}
MISSING = [name for name, path in FOUND.items() if path is None]
if importlib.util.find_spec("dask_jobqueue") is None:
    MISSING.append("dask_jobqueue (pip install -e '.[test]')")
IS_ROOT = os.geteuid() == 0

# Bounded waits (seconds): nothing here may hang.
DAEMON_START_S = 60       # munged socket, then the node idle in sinfo
JOB_START_S = 120         # SLURM jobs running and their Dask workers joined
CANCEL_S = 60             # a cancelled job gone from the queue and its worker from the scheduler
LOST_WORKER_S = 15        # distributed.deploy.lost-worker-timeout: when SpecCluster lets a lost job go
SWEEP_S = 300             # the whole SLURM sweep (a cold numba cache costs about a minute)
COMMAND_S = 20            # one sinfo / squeue / scancel call
STOP_S = 15               # each daemon, after SIGTERM

# The shipped sweep, made small: 12 points x 300 replicates of 520 weeks, about 2 s a point here.
REPLICATES, HORIZON_WEEKS = 300, 520

pytestmark = pytest.mark.skipif(
    (bool(MISSING) or not IS_ROOT) and not REQUIRED,
    reason=(f"SLURM is not installed (missing: {', '.join(MISSING)}); `make slurm` or apt-get install "
            "slurm-wlm munge" if MISSING else "slurmd must run as root (SlurmdUser=root)"))


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now (held together while chosen, so they differ)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


def tail(path: Path, lines: int = 25) -> str:
    try:
        return f"--- {path.name}:\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"--- {path.name}: (none)"


class LocalSlurm:
    """munged, slurmctld and slurmd for one node on 127.0.0.1; every file under `folder`, except the
    munge socket (munged wants every folder above its socket to be world-searchable, and pytest's
    tmp folders are private), which lives in a folder of its own in /tmp, removed at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.logs = folder / "log"
        self.conf = folder / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.daemons: dict[str, subprocess.Popen] = {}
        self.socket_dir: Path | None = None

    # --- starting ---------------------------------------------------------------------------------

    def start(self) -> None:
        for name in ("munge", "state", "spool", "log"):
            (self.folder / name).mkdir(mode=0o700)
        self.socket_dir = Path(tempfile.mkdtemp(prefix="threatnet-munge-", dir="/tmp"))
        self.socket_dir.chmod(0o755)
        self.socket = self.socket_dir / "munge.socket"
        self._start_munge()
        self._write_conf()
        self._start("slurmctld", FOUND["slurmctld"], "-D", "-f", str(self.conf))
        self._start("slurmd", FOUND["slurmd"], "-D", "-N", "localhost", "-f", str(self.conf))
        self._wait_until_idle()

    def _start(self, name: str, *command: str) -> None:
        log = open(self.logs / f"{name}.out", "w")  # noqa: SIM115 - closed in stop()
        self.daemons[name] = subprocess.Popen(command, cwd=self.folder, env=self.env, stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True)

    def _start_munge(self) -> None:
        key = self.folder / "munge" / "munge.key"
        key.write_bytes(os.urandom(128))  # what `mungekey --create` writes: 1024 random bits
        key.chmod(0o600)
        files = self.folder / "munge"
        self._start("munged", FOUND["munged"], "--foreground", f"--socket={self.socket}", f"--key-file={key}",
                    f"--pid-file={files / 'munged.pid'}", f"--seed-file={files / 'munged.seed'}",
                    f"--log-file={self.logs / 'munged.log'}")
        deadline = time.monotonic() + DAEMON_START_S
        while not self.socket.exists():
            if self.daemons["munged"].poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"munged did not start:\n{self.diagnostics()}")
            time.sleep(0.1)

    def _write_conf(self) -> None:
        controller_port, node_port = free_ports(2)
        folder = self.folder
        (folder / "plugstack.conf").write_text("")  # not /etc/slurm/plugstack.conf
        settings = {
            "ClusterName": "threatnet", "SlurmctldHost": "localhost(127.0.0.1)",
            "SlurmctldPort": controller_port, "SlurmdPort": node_port, "SlurmUser": "root", "SlurmdUser": "root",
            # slurm 22.05 finds munged's socket through AuthInfo, for both authentication and credentials
            "AuthType": "auth/munge", "CredType": "cred/munge", "AuthInfo": f"socket={self.socket}",
            "StateSaveLocation": folder / "state", "SlurmdSpoolDir": folder / "spool",
            "SlurmctldPidFile": folder / "slurmctld.pid", "SlurmdPidFile": folder / "slurmd.pid",
            "SlurmctldLogFile": self.logs / "slurmctld.log", "SlurmdLogFile": self.logs / "slurmd.log",
            "SlurmctldDebug": "info", "SlurmdDebug": "info", "PlugStackConfig": folder / "plugstack.conf",
            # no cgroups and no systemd: track a job's processes by parent pid, bind nothing
            "ProctrackType": "proctrack/linuxproc", "TaskPlugin": "task/none",
            "JobAcctGatherType": "jobacct_gather/none", "AccountingStorageType": "accounting_storage/none",
            "JobCompType": "jobcomp/none", "SwitchType": "switch/none", "MpiDefault": "none",
            "MailProg": "/bin/true", "SchedulerType": "sched/builtin", "SelectType": "select/cons_tres",
            "SelectTypeParameters": "CR_CPU", "ReturnToService": 2, "KillWait": 5, "InactiveLimit": 0,
            # the node is what this file says, whatever the machine has (CI runners differ)
            "SlurmdParameters": "config_overrides",
        }
        lines = [f"{key}={value}" for key, value in settings.items()]
        lines += ["NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=4096 State=UNKNOWN",
                  "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP"]
        self.conf.write_text("\n".join(lines) + "\n")

    def _wait_until_idle(self) -> None:
        deadline = time.monotonic() + DAEMON_START_S
        state = ""
        while time.monotonic() < deadline:
            for name, daemon in self.daemons.items():
                if daemon.poll() is not None:
                    pytest.fail(f"{name} exited with status {daemon.returncode}:\n{self.diagnostics()}")
            done = self.command("sinfo", "-h", "-n", "localhost", "-o", "%t", check=False)
            state = done.stdout.strip()
            if done.returncode == 0 and state == "idle":
                return
            time.sleep(0.25)
        pytest.fail(f"the node is not idle after {DAEMON_START_S} s (sinfo: {state!r}):\n{self.diagnostics()}")

    # --- using ------------------------------------------------------------------------------------

    def command(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([FOUND[name], *args], env=self.env, capture_output=True, text=True,
                              timeout=COMMAND_S)
        if check and done.returncode:
            pytest.fail(f"{name} {' '.join(args)} failed ({done.returncode}): {done.stderr}\n{self.diagnostics()}")
        return done

    def queue(self) -> dict[str, str]:
        """Jobs that SLURM still knows (finished ones too, for MinJobAge): {job id: state}."""
        listing = self.command("squeue", "-h", "--states=all", "-o", "%i %T").stdout
        return dict(line.split() for line in listing.splitlines() if line.strip())

    def live_jobs(self) -> set[str]:
        return {job for job, state in self.queue().items() if state in ("PENDING", "CONFIGURING", "RUNNING",
                                                                         "COMPLETING", "SUSPENDED")}

    def diagnostics(self) -> str:
        parts = [tail(self.logs / name) for name in ("munged.out", "slurmctld.out", "slurmctld.log",
                                                     "slurmd.out", "slurmd.log")]
        parts += [tail(path, 15) for path in sorted((self.folder / "jobs").glob("*.err"))]
        return "\n".join(parts)

    # --- stopping ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """Cancel every job, stop the daemons, then kill whatever still carries this SLURM_CONF."""
        if self.daemons.get("slurmctld") and self.daemons["slurmctld"].poll() is None:
            with contextlib.suppress(Exception):
                self.command("scancel", f"--user={os.getuid()}", check=False)
                deadline = time.monotonic() + CANCEL_S
                while self.live_jobs() and time.monotonic() < deadline:
                    time.sleep(0.25)
        for name in ("slurmd", "slurmctld", "munged"):  # the node, the controller, then authentication
            daemon = self.daemons.get(name)
            if daemon is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=STOP_S)
            if daemon.stdout:
                daemon.stdout.close()
        for pid in self.leftovers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def leftovers(self) -> list[int]:
        """Processes started under this SLURM (slurmstepd, job scripts, Dask workers): they inherit
        SLURM_CONF=<this test's file> from slurmd or from sbatch, and nothing else has it."""
        mark = f"SLURM_CONF={self.conf}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
        return found


@pytest.fixture
def slurm(tmp_path, monkeypatch, request):
    if MISSING:
        pytest.fail(f"THREATNET_REQUIRE_SLURM is set but SLURM is missing: {', '.join(MISSING)} "
                    "(`make slurm` installs slurm-wlm and munge)")
    if not IS_ROOT:
        pytest.fail("THREATNET_REQUIRE_SLURM is set but this test must run as root (slurmd runs jobs as "
                    "SlurmdUser=root)")
    cluster = LocalSlurm(tmp_path / "slurm")
    cluster.folder.mkdir()
    request.addfinalizer(cluster.stop)  # before start(): whatever got started is stopped
    cluster.start()
    # dask-jobqueue calls sbatch and scancel with this process's environment; jobs inherit it too
    monkeypatch.setenv("SLURM_CONF", str(cluster.conf))
    return cluster


def small_copy(folder: Path) -> Path:
    """The shipped sweep with fewer replicates and a shorter horizon; its scenario by absolute path."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["scenario"] = str((SHIPPED.parent / data["scenario"]).resolve())
    data["replicates"] = REPLICATES
    data["fixed"] = {**(data.get("fixed") or {}), "horizon_weeks": HORIZON_WEEKS}
    path = folder / SHIPPED.name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def complete_table(folder: Path, points: int) -> pd.DataFrame:
    table = read_replicates(folder)
    assert not table.duplicated(["point", "replicate", "conflict"]).any(), "a row is duplicated"
    assert sorted(table["point"].unique()) == list(range(points)), "a point is missing"
    assert len(list((folder / "replicates").glob("point=*.parquet"))) == points
    return table


def points_done(folder: Path) -> int:
    replicates = folder / "replicates"
    return len(list(replicates.glob("point=*.parquet"))) if replicates.is_dir() else 0


def wait_for(condition, timeout: float, what: str, diagnostics=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not after {timeout} s\n{diagnostics()}")


def busy_worker(client) -> tuple[str, str] | None:
    """(worker name, point task key) of a worker running a point now, or None."""
    names = {address: info["name"] for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}
    for address, keys in client.processing().items():
        points = [str(key) for key in keys if str(key).startswith("threatnet-point-")]
        if points and address in names:
            return str(names[address]), points[0]
    return None


def test_sweep_on_slurm_with_a_job_cancelled_mid_sweep(slurm, tmp_path):
    from dask_jobqueue import SLURMCluster
    from distributed import Client

    started = time.monotonic()
    sweep_file = small_copy(tmp_path)
    sweep = load_sweep(sweep_file)
    local = run_sweep(sweep, tmp_path / "local", workers=2)
    total = local.points
    assert total == 12
    expected = complete_table(local.folder, total)
    local_s = time.monotonic() - started

    out, jobs_dir = tmp_path / "slurm-run", slurm.folder / "jobs"
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    cluster = SLURMCluster(
        queue="debug", cores=1, processes=1, memory="2GB", walltime="00:10:00",  # a job: 1 worker, 1 thread
        job_name="threatnet-worker", python=sys.executable,  # the venv's python runs `-m distributed.cli.dask_worker`
        job_script_prologue=[f"export {name}={value}" for name, value in WORKER_ENV.items()]
        + [f"export PYTHONPATH={python_path}"],
        worker_extra_args=["--host", "127.0.0.1", "--no-dashboard"],
        job_extra_directives=[f"--chdir={slurm.folder}"], log_directory=str(jobs_dir),
        local_directory=str(slurm.folder / "dask-worker-space"), death_timeout=30,
        scheduler_options={"host": "127.0.0.1", "port": 0, "dashboard_address": ":0"},
    )
    script = cluster.job_script()
    assert "export NUMBA_NUM_THREADS=1" in script and "--nthreads 1" in script and sys.executable in script
    client = sweep_cli = log = None
    try:
        client = Client(cluster, timeout="30s")
        # adapt, not scale: a job that is lost is replaced (SpecCluster forgets a lost worker's job after
        # distributed.deploy.lost-worker-timeout, 15 s; adapt's next round then submits a new one)
        cluster.adapt(minimum_jobs=2, maximum_jobs=2)
        try:
            client.wait_for_workers(2, timeout=JOB_START_S)
        except TimeoutError:
            pytest.fail(f"2 SLURM jobs' workers did not join in {JOB_START_S} s; queue {slurm.queue()}\n"
                        f"{slurm.diagnostics()}")
        jobs = {name: job.job_id for name, job in cluster.workers.items()}
        assert slurm.live_jobs() == set(jobs.values()), (jobs, slurm.queue())
        assert all(state == "RUNNING" for job, state in slurm.queue().items() if job in jobs.values())

        sweep_started = time.monotonic()
        log = open(tmp_path / "sweep-cli.log", "w")  # noqa: SIM115 - closed below
        sweep_cli = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "sweep", str(sweep_file), "--scheduler", cluster.scheduler_address,
             "--out", str(out)], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": python_path, **WORKER_ENV})

        def sweep_log() -> str:
            return tail(tmp_path / "sweep-cli.log", 40)

        def running_point() -> tuple[str, str] | None:
            assert sweep_cli.poll() is None, f"the sweep ended before a job was cancelled\n{sweep_log()}"
            return busy_worker(client) if points_done(out) >= 2 else None

        victim, task = wait_for(running_point, SWEEP_S, "2 points written and a worker running a third", sweep_log)
        victim_job = jobs[victim]
        at_cancel = points_done(out)
        slurm.command("scancel", victim_job)
        cancelled_at = time.monotonic()
        assert sweep_cli.poll() is None and at_cancel < total, "the sweep had finished before the cancel"

        # SLURM cancelled the job, its worker left the scheduler, and the other job still runs
        wait_for(lambda: victim_job not in slurm.live_jobs(), CANCEL_S, f"job {victim_job} cancelled",
                 slurm.diagnostics)
        assert slurm.queue()[victim_job] == "CANCELLED", slurm.queue()
        wait_for(lambda: victim not in {info["name"] for info in cluster.scheduler_info["workers"].values()},
                 CANCEL_S, f"worker {victim} gone from the scheduler", slurm.diagnostics)
        job_log = (jobs_dir / f"threatnet-worker-{victim_job}.err").read_text()
        assert f"JOB {victim_job} ON localhost CANCELLED" in job_log, job_log
        survivor_job = next(job for name, job in jobs.items() if name != victim)
        assert slurm.queue()[survivor_job] == "RUNNING"

        # adapt submits a replacement job (under the lost worker's name) once the cluster has let it go
        replacement = wait_for(lambda: slurm.live_jobs() - {survivor_job}, LOST_WORKER_S + JOB_START_S,
                               "a replacement job", slurm.diagnostics)
        replaced_s = time.monotonic() - cancelled_at
        assert victim_job not in replacement

        try:
            sweep_cli.wait(timeout=SWEEP_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the SLURM sweep did not finish in {SWEEP_S} s\n{sweep_log()}\n{slurm.diagnostics()}")
        slurm_s = time.monotonic() - sweep_started
        assert sweep_cli.returncode == 0, sweep_log()
        client.wait_for_workers(2, timeout=JOB_START_S)  # the replacement's worker joined
        assert {job.job_id for job in cluster.workers.values()} == {survivor_job} | replacement
        joined = {info["name"] for info in client.scheduler_info(n_workers=-1)["workers"].values()}
        assert joined == set(cluster.workers) and len(joined) == 2, (joined, list(cluster.workers))
    finally:
        if sweep_cli is not None and sweep_cli.poll() is None:
            sweep_cli.kill()
            sweep_cli.wait(timeout=30)
        if log is not None:
            log.close()
        if client is not None:
            client.close()
        cluster.close()  # scancels its jobs; the fixture's teardown catches anything left

    table = complete_table(out, total)
    pd.testing.assert_frame_equal(table, expected)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "point_summary.parquet"),
                                  pd.read_parquet(local.folder / "point_summary.parquet"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["completed_points"] == total
    assert manifest["scheduler"].startswith("tcp://127.0.0.1:") and manifest["workers"] == 2
    wait_for(lambda: not slurm.live_jobs(), CANCEL_S, "cluster.close() cancelled its jobs", slurm.diagnostics)
    print(f"\nLocalCluster sweep {local_s:.1f} s, SLURM sweep {slurm_s:.1f} s; SLURM jobs {sorted(jobs.values())}; "
          f"cancelled job {victim_job} ({victim}, running point {task.rsplit('-', 1)[-1]}) with {at_cancel} of "
          f"{total} points written; replacement job {sorted(replacement)} submitted {replaced_s:.1f} s after the "
          f"cancel; final queue {slurm.queue()}; {time.monotonic() - started:.1f} s in all")
