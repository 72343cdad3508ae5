#!/usr/bin/env bash
# Kills a small training run with SIGKILL at random moments, N times, resuming after each kill,
# and checks what must hold: every checkpoint valid after every kill, no temporaries and no
# repeated log line at the end, and final weights bit-identical to an uninterrupted run.
# Usage: Scripts/soak.sh [kills=100]   (RGFLOW=path/to/rgflow to use another binary)
set -euo pipefail
kills="${1:-100}"
root="$(cd "$(dirname "$0")/.." && pwd)"
rgflow="${RGFLOW:-$root/.build/release/rgflow}"
[ -x "$rgflow" ] || (cd "$root" && swift build -c release --product rgflow)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# 8 batches an epoch; a mid-epoch checkpoint after nearly every batch (save_minutes 0.0005 = 30 ms).
flags=(--kernel_size 4 --nlayers 1 --nresblocks 1 --nhidden 8 --train_size 256 --batch_size 32 --epoch 200 --plot_epoch 10
       --eval_size 64 --keep_epoch 4 --save_minutes 0.0005 --seed 3 --threads 1 --no_stdout)
check="python3 $root/Scripts/soak_check.py"

echo "uninterrupted run"
"$rgflow" train "${flags[@]}" -o "$work/straight" >/dev/null
run="$work/soak/msds1/laplace_nl1_nr1_nm1_nh8"
start=$(date +%s)
for ((kill = 1; kill <= kills; kill++)); do
  "$rgflow" train "${flags[@]}" -o "$work/soak" >/dev/null 2>"$work/stderr" &
  pid=$!
  sleep "$(python3 -c "import random; print(random.uniform(0.1, 0.8))")"
  if ! kill -9 "$pid" 2>/dev/null; then
    wait "$pid" || true
    echo "the run finished before kill $kill"; break
  fi
  wait "$pid" 2>/dev/null || true
  [ -d "$run/out_save" ] && $check checkpoints "$run/out_save" >"$work/last-check" || { cat "$work/last-check"; exit 1; }
  echo "kill $kill/$kills: $(cat "$work/last-check")"
done
echo "finishing the run"
"$rgflow" train "${flags[@]}" -o "$work/soak" >/dev/null
temporaries=$(find "$work/soak" -name '*.tmp' | wc -l)
[ "$temporaries" -eq 0 ] || { echo "temporaries left: $(find "$work/soak" -name '*.tmp')"; exit 1; }
echo "no temporaries left"
$check checkpoints "$run/out_save"
$check log "$run/out.log" "$work/straight/msds1/laplace_nl1_nr1_nm1_nh8/out.log"
$check data "$run/out_save/200.safetensors" "$work/straight/msds1/laplace_nl1_nr1_nm1_nh8/out_save/200.safetensors"
echo "soak: $((kill - 1)) kills in $(( $(date +%s) - start )) s, every invariant held"
