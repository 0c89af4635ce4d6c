// The seed's `confidence` result column: the probability of the predicted (most likely) class.
export function confidences(probs: Float64Array, k: number): Float64Array {
  const n = probs.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let y = 0; y < k; y++) if (probs[i * k + y] > max) max = probs[i * k + y];
    out[i] = max;
  }
  return out;
}
