// Minimum-cost assignment on a square matrix (Hungarian algorithm with potentials, O(n³)).
// Snorkel uses the munkres package for the same problem when it breaks the label-swap symmetry.

/** cost is n×n row-major; returns assignment[row] = column. */
export function solveAssignment(cost: Float64Array, n: number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const matchOfColumn = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let row = 1; row <= n; row++) {
    matchOfColumn[0] = row;
    let col0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[col0] = 1;
      const row0 = matchOfColumn[col0];
      let delta = Infinity;
      let col1 = 0;
      for (let col = 1; col <= n; col++) {
        if (used[col]) continue;
        const reduced = cost[(row0 - 1) * n + (col - 1)] - u[row0] - v[col];
        if (reduced < minv[col]) {
          minv[col] = reduced;
          way[col] = col0;
        }
        if (minv[col] < delta) {
          delta = minv[col];
          col1 = col;
        }
      }
      for (let col = 0; col <= n; col++) {
        if (used[col]) {
          u[matchOfColumn[col]] += delta;
          v[col] -= delta;
        } else {
          minv[col] -= delta;
        }
      }
      col0 = col1;
    } while (matchOfColumn[col0] !== 0);
    do {
      const col1 = way[col0];
      matchOfColumn[col0] = matchOfColumn[col1];
      col0 = col1;
    } while (col0 !== 0);
  }
  const assignment = new Int32Array(n);
  for (let col = 1; col <= n; col++) assignment[matchOfColumn[col] - 1] = col - 1;
  return assignment;
}
