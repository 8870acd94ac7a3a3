"""Cluster submission with profiles/slurm on a real SLURM (the one-node cluster of .ci/slurm-setup).

The end-to-end test submits a reduced demo (3 pairs per domain, shards of 4 pairs) through the SLURM
executor plugin, features and training, and compares its feature tables with those of a local run of the
same config. It skips, with the reason, where no SLURM answers (no `sinfo`, controller down, node not up,
no `debug` partition) or the plugin is not installed. The test cluster has no accounting database, so
job states come from squeue (--slurm-status-command squeue) and nothing here uses sacct.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import REPO, write_demo_config

PROFILE = REPO / "profiles" / "slurm"
PARTITION = "debug"  # the partition of .ci/slurm-setup
SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def profile() -> dict:
    return yaml.safe_load((PROFILE / "config.yaml").read_text())


def gpu_request(resources: dict) -> bool:
    return bool(resources.get("gpu")) or "gpu" in str(resources.get("gres") or "")


def cpu_cluster_overrides(prof: dict, partitions_file: Path, mem_cap_mb: int = 1500) -> list[str]:
    """Command-line options that fit the profile to the one-node CPU test cluster: the plugin chooses
    partitions from `partitions_file` (write_test_partitions: the `debug` partition only, as the profile's
    partitions.yaml would be adapted), no account, no GPU, at most mem_cap_mb per job. The profile's own
    resource expressions (e.g. `2000 * attempt`) are kept, wrapped in min(..., cap), so they are still
    evaluated. A command-line option replaces the profile's option as a whole, so all rules are rewritten."""
    default = {"mem_mb": min(int(prof["default-resources"]["mem_mb"]), mem_cap_mb), "runtime": 10}
    set_resources = []
    for rule, res in prof.get("set-resources", {}).items():
        for key, value in res.items():
            if key == "slurm_partition":
                value = PARTITION
            elif key == "gpu":
                value = 0
            elif key in ("gres", "gpu_model", "slurm_account", "constraint", "qos"):
                continue
            elif key == "mem_mb":
                value = f"min({value}, {mem_cap_mb})"
            set_resources.append(f"{rule}:{key}={value}".replace(" ", ""))
    threads = [f"{rule}={min(int(n), 2)}" for rule, n in (prof.get("set-threads") or {}).items()]
    return [
        "--slurm-partition-config",
        str(partitions_file),
        "--default-resources",
        *(f"{k}={v}" for k, v in default.items()),
        "--set-resources",
        *set_resources,
        "--set-threads",
        *threads,
        "--cores",
        "2",  # the node's cores: the most one group job may ask for
        "--jobs",
        "4",
        "--retries",
        "0",
        "--latency-wait",
        "10",
        "--slurm-status-command",
        "squeue",  # no accounting database: sacct cannot answer
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--slurm-keep-successful-logs",
    ]


def write_test_partitions(folder: Path) -> Path:
    """The profile's partitions.yaml adapted to the test cluster: its CPU partition renamed `debug`, the
    GPU partition dropped (the test node has none)."""
    table = yaml.safe_load((PROFILE / "partitions.yaml").read_text())["partitions"]
    cpu = [limits for limits in table.values() if not limits.get("max_gpu")]
    assert cpu, "profiles/slurm/partitions.yaml: no CPU partition (max_gpu: 0)"
    path = folder / "partitions.yaml"
    path.write_text(yaml.safe_dump({"partitions": {PARTITION: {**cpu[0], "max_mem_mb": 4000}}}))
    return path


# --- the profile, without a cluster ------------------------------------------------------------------


class _Resources(dict):
    """A job's resources as the plugin reads them (``.get`` and attribute access)."""

    __getattr__ = dict.get


class _Job:
    def __init__(self, name: str, threads: int, **resources):
        self.name, self.threads, self.resources = name, threads, _Resources(resources)


def test_profile_partitions_send_only_gpu_jobs_to_the_gpu_partition():
    """The plugin's own partition choice (read_partition_file, get_best_partition) on the profile's
    partitions.yaml: a CPU-sized training job stays on the CPU partition, one asking for a GPU goes to the
    GPU partition, extraction shards to the CPU partition."""
    from snakemake_executor_plugin_slurm.partitions import get_best_partition, read_partition_file

    class Log:
        def info(self, *args): ...
        debug = warning = info

    prof = profile()
    assert prof["slurm-partition-config"] == "partitions.yaml"
    assert "slurm_partition" not in prof["default-resources"], "a default partition disables the choice"
    partitions = read_partition_file(PROFILE / prof["slurm-partition-config"])
    gpu_partitions = {p.name for p in partitions if p.limits.max_gpu > 0}
    assert gpu_partitions and len(gpu_partitions) < len(partitions)
    train = prof["set-resources"]["train_model"]
    assert "gpu" not in train and "slurm_partition" not in train, "the profile must not force a GPU"
    jobs = {
        "cpu": _Job("train_model", 4, mem_mb=16000, runtime=480, gpu=0),
        "gpu": _Job("train_model", 4, mem_mb=16000, runtime=480, gpu=1),
        "shard": _Job("extract_shard", 1, mem_mb=2000, runtime=60),
    }
    chosen = {k: get_best_partition(partitions, job, Log()) for k, job in jobs.items()}
    assert chosen["gpu"] in gpu_partitions
    assert chosen["cpu"] not in gpu_partitions and chosen["shard"] not in gpu_partitions, chosen

    # Every rule that always asks for a GPU (workflow/rules/*.smk: gpu=1), with the profile's resources
    # for it on every retry, fits a GPU partition: SLURM would reject or never start it elsewhere.
    from test_envs import RULES

    gpu_rules = sorted(n for n, r in RULES.items() if re.search(r"\bgpu\s*=\s*[1-9]", r.text))
    assert "run_structure_prediction" in gpu_rules
    for name in gpu_rules:
        res = {**prof["default-resources"], **prof["set-resources"].get(name, {})}
        for attempt in range(1, prof["retries"] + 2):
            values = {k: eval(str(res[k]), {"attempt": attempt}) for k in ("mem_mb", "runtime")}
            job = _Job(name, int((prof.get("set-threads") or {}).get(name, 1)), gpu=1, **values)
            assert get_best_partition(partitions, job, Log()) in gpu_partitions, (name, attempt, values)


def test_training_asks_for_a_gpu_only_when_its_config_needs_one():
    """The `gpu` resource of train_model as Snakemake evaluates it (dry run of the demo): none for the
    default feature model, one for a residue encoder (slow on a CPU) or an explicit CUDA device."""

    def train_gpus(*config_args):
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-n", "-F",
               "results/models/all/model.pt", *config_args]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        block = proc.stdout[proc.stdout.index("rule train_model:"):]
        return int(re.search(r"resources: .*\bgpu=(\d+)", block).group(1))

    assert train_gpus() == 0
    assert train_gpus("--config", "train={residue_encoder: tokens}") == 1
    assert train_gpus("--config", "train={device: cuda}") == 1
    assert train_gpus("--config", "train={device: cpu, residue_encoder: tokens}") == 0


def test_test_cluster_overrides_keep_the_profile_expressions(tmp_path):
    prof = profile()
    opts = cpu_cluster_overrides(prof, write_test_partitions(tmp_path))
    sr = opts[opts.index("--set-resources") + 1 : opts.index("--set-threads")]
    assert "extract_shard:mem_mb=min(2000*attempt,1500)" in sr
    assert not any("gpu" in s or "gres" in s for s in sr)
    assert not any("slurm_account" in o for o in opts)
    written = yaml.safe_load(Path(opts[opts.index("--slurm-partition-config") + 1]).read_text())
    assert list(written["partitions"]) == [PARTITION] and written["partitions"][PARTITION]["max_gpu"] == 0


def test_profile_resources_scale_with_attempt_and_shards_are_grouped():
    prof = profile()
    assert "attempt" in str(prof["set-resources"]["extract_shard"]["mem_mb"])
    assert prof["retries"] >= 1
    assert prof["groups"]["extract_shard"] in prof["group-components"]
    assert prof["group-components"][prof["groups"]["extract_shard"]] >= 10
    assert not prof.get("use-conda") and not prof.get("software-deployment-method")


def test_profile_dry_run_parses_and_groups_the_shards(tmp_path):
    """Snakemake reads the profile (keys, resource expressions) without submitting anything."""
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "--profile",
        str(PROFILE),
        "-n",
        "-F",
        "features",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "Group job shards" in proc.stdout + proc.stderr


# --- the real cluster --------------------------------------------------------------------------------


def slurm_unavailable() -> str | None:
    """Why the cluster test cannot run here, or None."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install --group test)"
    for tool in ("sinfo", "sbatch", "squeue", "srun"):
        if shutil.which(tool) is None:
            return f"SLURM client '{tool}' not found: no SLURM here (CI starts one, as root: .ci/slurm-setup)"
    try:
        ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=20)
        states = subprocess.run(
            ["sinfo", "-h", "-N", "-p", PARTITION, "-o", "%N %T"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"SLURM does not answer: {exc}"
    if "is UP" not in ping.stdout:
        answer = (ping.stdout + ping.stderr).strip()
        return f"slurmctld is not up (scontrol ping: {answer!r}); see .ci/slurm-setup"
    nodes = [line.split() for line in states.stdout.splitlines() if line.strip()]
    if states.returncode != 0 or not nodes:
        return f"no node in partition '{PARTITION}' (sinfo: {(states.stdout + states.stderr).strip()!r})"
    if not any(state.rstrip("*~#") in ("idle", "mixed") for _, state in nodes):
        return f"no node of partition '{PARTITION}' is idle: {nodes}"
    return None


def reduced_demo(work, pairs_per_domain=3):
    """A reduced demo config in `work` (the layout of tests/test_workflow_demo.py), with enough labelled
    pairs (>= 10) for the pooled `all` model and 3 epochs."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    write_demo_config(
        work, pairs_per_domain, models=["all"], demo={**config["demo"], "generate": True},
        features={**config["features"], "shard_size": 4}, train={**config.get("train", {}), "epochs": 3},
    )  # fmt: skip
    return work


def run_snakemake(work, *args, timeout):
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "-d",
        str(work),
        "--configfile",
        str(work / "config.yaml"),
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=timeout)


def assert_tables_equal(a, b, key):
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_reduced_demo_on_slurm_matches_a_local_run(tmp_path):
    reason = slurm_unavailable()
    if reason:
        pytest.skip(reason)

    cluster = reduced_demo(tmp_path / "slurm")
    local = reduced_demo(tmp_path / "local")

    start = time.monotonic()
    proc = run_snakemake(
        cluster,
        "--profile",
        str(PROFILE),
        *cpu_cluster_overrides(profile(), write_test_partitions(tmp_path)),
        "features",
        "train",
        timeout=540,
    )
    elapsed = time.monotonic() - start
    log = proc.stdout + proc.stderr
    logs = sorted((cluster / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert proc.returncode == 0, (
        f"snakemake on SLURM failed (exit {proc.returncode}) after {elapsed:.0f}s:\n{log[-5000:]}\n"
        + "".join(f"\n--- {p}\n{p.read_text()[-1500:]}" for p in logs[-3:])
    )

    # Every job went through sbatch: one submission per job or group, each with a SLURM job id.
    submitted = SUBMITTED.findall(log)
    assert submitted, f"no 'has been submitted with SLURM jobid' in the log:\n{log[-3000:]}"
    # No job named a partition: the plugin chose one from the partitions file for each submission.
    assert log.count(f"Auto-selected partition '{PARTITION}'") >= len(submitted), log[-3000:]
    by_rule = {}
    for _, slurm_id, path in submitted:
        by_rule.setdefault(path.split("/slurm_logs/")[1].split("/")[0], []).append(int(slurm_id))
    # demo_predictions, the shards as group job(s), merge_features and train_model: all on SLURM
    assert set(by_rule) == {
        "rule_demo_predictions",
        "group_shards_extract_shard",
        "rule_merge_features",
        "rule_train_model",
    }, by_rule
    n_pairs = len(pd.read_csv(cluster / "pairs.tsv", sep="\t"))
    n_shards = -(-n_pairs // 4)
    assert len(by_rule["group_shards_extract_shard"]) < n_shards  # grouped: fewer submissions than shards
    assert "Group job shards" in log
    ids = [int(i) for _, i, _ in submitted]
    assert len(set(ids)) == len(ids)
    for _, slurm_id, path in submitted:  # the jobs' own SLURM logs, kept by --slurm-keep-successful-logs
        assert Path(path).is_file() and Path(path).stem == slurm_id, path

    out = cluster / "results"
    for name in ("models.parquet", "pairs.parquet", "failed.tsv"):
        assert (out / "features" / name).is_file(), name
    for name in ("model.pt", "history.tsv", "split.tsv"):
        assert (out / "models" / "all" / name).is_file(), name
    assert len(pd.read_csv(out / "models" / "all" / "history.tsv", sep="\t")) >= 1

    # The same features as a local run of the same config.
    proc = run_snakemake(local, "--cores", "2", "features", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name, key in (("pairs.parquet", ["pair_id"]), ("models.parquet", ["pair_id", "model_name"])):
        a = pd.read_parquet(out / "features" / name)
        b = pd.read_parquet(local / "results" / "features" / name)
        assert len(a) > 0 and sorted(a.columns) == sorted(b.columns), name
        assert_tables_equal(a, b[a.columns], [k for k in key if k in a.columns])
    print(f"SLURM run: {elapsed:.0f}s, {len(submitted)} submissions: {by_rule}")
