"""The real Snorkel's LabelModel on a label matrix Reef wrote, timed in the same run as Reef's fit (bench:labelmodel).

Usage: PYTHONPATH=$SNORKEL_SRC python3 bench/snorkel-baseline.py L.npy EPOCHS SEED
Prints one JSON line: fit and predict_proba seconds, wall and CPU (medians of REPEATS after one warm-up), the versions, and the
probabilities' checksum so the caller can see both sides fitted the same matrix.
"""
import json
import sys
import time

import numpy as np
import torch
from snorkel.labeling.model import LabelModel

REPEATS = 3


def timed(fn):
    """Median wall and CPU seconds (this process's, all threads) of REPEATS runs after a warm-up, and the last value."""
    fn()
    times, cpu_times, value = [], [], None
    for _ in range(REPEATS):
        start, cpu_start = time.perf_counter(), time.process_time()
        value = fn()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return sorted(times)[len(times) // 2], sorted(cpu_times)[len(cpu_times) // 2], value


def main():
    path, epochs, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    L = np.load(path).astype(np.int64)
    model = LabelModel(cardinality=2, verbose=False)
    fit_s, fit_cpu_s, _ = timed(lambda: model.fit(L, n_epochs=epochs, lr=0.01, seed=seed, progress_bar=False))
    predict_s, predict_cpu_s, probs = timed(lambda: model.predict_proba(L))
    print(json.dumps({
        "fit_s": fit_s, "predict_s": predict_s, "fit_cpu_s": fit_cpu_s, "predict_cpu_s": predict_cpu_s, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "numpy": np.__version__, "mean_p1": float(probs[:, 1].mean()),
    }))


if __name__ == "__main__":
    main()
