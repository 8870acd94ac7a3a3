#!/usr/bin/env bash
# The GPU check, as run on a lent GPU machine (figures in the README):
#   1. the demo end to end up to the `train` target through Snakemake (features on the CPU cores, the
#      train_model jobs on the GPU with train.device: auto), default `index` encoding;
#   2. the same training with the residue `tokens` encoder + shared encoder (a second working directory
#      reusing the demo runs);
#   3. the model benchmark (workflow/benchmarks/bench_model.py, 600 synthetic pairs) on that machine.
# The machine has torch/pandas/pyarrow; the rest comes as Python 3.12 wheels in .whl/ (see README).
# Writes logs and tables to $OUT (or ./gpu_out).
set -uo pipefail
OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$OUT/gpu.txt"
nproc | tee -a "$OUT/gpu.txt"

start=$(date +%s)
$PY -m snakemake --cores "$(nproc)" train 2>&1 | tail -n 25 | tee "$OUT/snakemake_index.txt"
echo "index: $(( $(date +%s) - start )) s for demo + features + train" | tee -a "$OUT/summary.txt"
cp results/logs/train/all.log "$OUT/train_all_index.log"; cp results/models/all/history.tsv "$OUT/history_all_index.tsv"
cat results/benchmarks/train/*.tsv > "$OUT/bench_rule_index.tsv"

tok=$(mktemp -d)
$PY - "$tok" <<'PY'
import sys, yaml, pathlib
work = pathlib.Path(sys.argv[1]); here = pathlib.Path.cwd()
c = yaml.safe_load(open("config/config.yaml"))
for k in ("tf_fasta", "domain_fasta", "pairs", "labels"):
    c[k] = str(here / c[k])
c["predictions_dir"] = str(here / "results/demo/predictions")
c["demo"]["generate"] = False
c["train"].update(residue_encoder="tokens", shared_encoder=True)
(work / "config.yaml").write_text(yaml.safe_dump(c))
PY
start=$(date +%s)
$PY -m snakemake -s Snakefile -d "$tok" --configfile "$tok/config.yaml" --cores "$(nproc)" train 2>&1 | tail -n 8 | tee "$OUT/snakemake_tokens.txt"
echo "tokens: $(( $(date +%s) - start )) s for features + train" | tee -a "$OUT/summary.txt"
cp "$tok/results/logs/train/all.log" "$OUT/train_all_tokens.log"
grep -h "scope" results/logs/train/*.log "$tok"/results/logs/train/*.log | tee -a "$OUT/summary.txt"

[ -n "${SKIP_BENCH:-}" ] || $PY workflow/benchmarks/bench_model.py --synthetic 150 --threads 4 --configs fusion ridge_prior 2>&1 | tee "$OUT/bench_model.txt"
