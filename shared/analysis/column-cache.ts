// Incremental LF analysis over cached vote columns: the studio recomputes one LF's column per keystroke,
// and replacing a column here costs O(n) plus O(m) only for the rows whose overlap/conflict status changes,
// instead of a fresh O(n·m) pass. The numbers equal analyzeLabelMatrix's (same AnalysisCounts, same summary).
import type { LabelArray } from '../labelmodel/matrix.ts';
import {
  AnalysisError, badLabel, checkShape, summarizeCounts,
  type AnalysisCounts, type LabelMatrixAnalysis,
} from './analyze.ts';

/** One LF's votes over the n rows (same element types as the label matrix). */
type VoteColumn = LabelArray;

export class LfAnalysisCache {
  readonly n: number;
  readonly k: number;
  private gold: Int32Array | undefined;
  private readonly columns: (VoteColumn | undefined)[] = [];
  /** Per row: number of votes, and number of distinct classes voted (conflict iff ≥ 2). Uint16: m ≤ 65535 LFs. */
  private readonly rowVotes: Uint16Array;
  private readonly rowDistinct: Uint16Array;
  /** n×k: votes per row per class, to know when a class appears in or leaves a row. */
  private readonly rowClassVotes: Uint16Array;
  private coveredRows = 0;
  private overlappedRows = 0;
  private conflictedRows = 0;
  private voteCounts: Int32Array[] = [];
  private overlapCounts: number[] = [];
  private conflictCounts: number[] = [];
  private joint: Int32Array[] = [];
  private perClass: Int32Array | undefined;
  private goldRowsCache: Int32Array | undefined;
  /** Scratch for setColumn's restatement, allocated on first use and reused (three n-long arrays). */
  private restated: { rows: Int32Array; dOverlap: Int8Array; dConflict: Int8Array } | undefined;
  /** Scratch for setColumn: the rows whose vote changes. */
  private changedRows: Int32Array | undefined;

  constructor(n: number, k: number, gold?: ArrayLike<number>) {
    if (!Number.isInteger(n) || n < 0) throw new AnalysisError('BAD_SHAPE', `n must be a non-negative integer, got ${n}.`);
    checkShape(n, n, 1, k, gold);
    this.n = n;
    this.k = k;
    this.rowVotes = new Uint16Array(n);
    this.rowDistinct = new Uint16Array(n);
    this.rowClassVotes = new Uint16Array(n * k);
    // A copy (slice is one memcpy where Int32Array.from reads a million values one by one).
    this.gold = gold ? (gold instanceof Int32Array ? gold.slice() : Int32Array.from(gold)) : undefined;
    if (this.gold) {
      this.perClass = new Int32Array(k);
      for (let i = 0; i < n; i++) if (this.gold[i] !== -1) this.perClass[this.gold[i]!]++;
    }
  }

  get m(): number {
    return this.columns.length;
  }

  /** Puts LF j's votes in place (adding empty LFs up to j if needed), replacing its previous column. */
  setColumn(j: number, column: VoteColumn): void {
    const { n, k } = this;
    if (column.length !== n) throw new AnalysisError('BAD_SHAPE', `LF ${j}'s vote column has ${column.length} rows, not ${n}.`);
    // A typical edit changes few rows: compare with the previous column (an all-abstain one for a new LF), and
    // touch only the rows that differ. Unchanged rows hold the previous column's votes, which were checked then.
    const old = this.columns[j] ?? new Int8Array(n).fill(-1);
    this.restated ??= { rows: new Int32Array(n), dOverlap: new Int8Array(n), dConflict: new Int8Array(n) };
    this.changedRows ??= new Int32Array(n);
    const changedRows = this.changedRows;
    // One pass finds and checks the changed rows before anything changes (a bad column changes nothing).
    let changedCount = 0;
    for (let i = 0; i < n; i++) {
      const after = column[i];
      if (after === old[i]) continue;
      if (after < -1 || after >= k) throw badLabel(after, i, j, k);
      changedRows[changedCount++] = i;
    }
    while (this.columns.length <= j) this.appendEmptyColumn();
    const votes = this.voteCounts[j]!;
    const rowVotes = this.rowVotes;
    const overlapCounts = this.overlapCounts;
    const conflictCounts = this.conflictCounts;
    // Rows whose overlap/conflict status changes, restated for the other LFs after the loop, one LF at a time.
    const restated = this.restated;
    let changed = 0;
    for (let t = 0; t < changedCount; t++) {
      const i = changedRows[t]!;
      const before = old[i];
      const after = column[i];
      const wasOverlap = rowVotes[i] >= 2;
      const wasConflict = this.rowDistinct[i] >= 2;
      if (before !== -1) {
        votes[before]--;
        if (wasOverlap) overlapCounts[j]--;
        if (wasConflict) conflictCounts[j]--;
        this.removeVote(i, before);
      }
      if (after !== -1) {
        votes[after]++;
        this.addVote(i, after);
      }
      const isOverlap = rowVotes[i] >= 2;
      const isConflict = this.rowDistinct[i] >= 2;
      if (isOverlap !== wasOverlap || isConflict !== wasConflict) {
        restated.rows[changed] = i;
        restated.dOverlap[changed] = (isOverlap ? 1 : 0) - (wasOverlap ? 1 : 0);
        restated.dConflict[changed] = (isConflict ? 1 : 0) - (wasConflict ? 1 : 0);
        changed++;
      }
      if (after !== -1) {
        if (isOverlap) overlapCounts[j]++;
        if (isConflict) conflictCounts[j]++;
      }
    }
    if (changed > 0) this.restateOtherColumns(j, changed);
    this.columns[j] = column;
    this.recountGold(j, column);
  }

  /**
   * Sets row i's gold label (-1 clears it) in O(m): only that row's entries of the per-LF gold tallies move, so
   * labelling a sample does not re-add every cached column. A cache built without gold starts tracking it here.
   */
  setGold(i: number, label: number): void {
    const { n, k } = this;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new AnalysisError('BAD_SHAPE', `row ${i} is outside 0..${n - 1}.`);
    if (!Number.isInteger(label) || label < -1 || label >= k) throw new AnalysisError('BAD_LABEL', `gold label ${label} is not -1 or a class 0..${k - 1}.`);
    if (!this.gold || !this.perClass) {
      this.gold = new Int32Array(n).fill(-1);
      this.perClass = new Int32Array(k);
      this.joint = this.columns.map(() => new Int32Array((k + 1) * k));
    }
    const before = this.gold[i]!;
    if (before === label) return;
    this.gold[i] = label;
    if (before === -1 || label === -1) this.goldRowsCache = undefined;
    if (before !== -1) this.perClass[before]--;
    if (label !== -1) this.perClass[label]++;
    for (let j = 0; j < this.columns.length; j++) {
      const vote = this.columns[j]?.[i] ?? -1;
      const joint = this.joint[j]!;
      if (before !== -1) joint[(vote + 1) * k + before]--;
      if (label !== -1) joint[(vote + 1) * k + label]++;
    }
  }

  counts(): AnalysisCounts {
    const { n, k } = this;
    const m = this.columns.length;
    const voteCounts = new Int32Array(m * k);
    this.voteCounts.forEach((c, j) => { voteCounts.set(c, j * k); });
    let goldCounts: AnalysisCounts['goldCounts'];
    if (this.perClass) {
      const joint = new Int32Array(m * (k + 1) * k);
      this.joint.forEach((c, j) => { joint.set(c, j * (k + 1) * k); });
      goldCounts = { joint, perClass: this.perClass.slice() };
    }
    return {
      n, m, k,
      coveredRows: this.coveredRows,
      overlappedRows: this.overlappedRows,
      conflictedRows: this.conflictedRows,
      voteCounts,
      overlapCounts: Int32Array.from(this.overlapCounts),
      conflictCounts: Int32Array.from(this.conflictCounts),
      goldCounts,
    };
  }

  analysis(): LabelMatrixAnalysis {
    return summarizeCounts(this.counts());
  }

  /** Per row, how many of the columns vote (a result's n_votes), kept up to date by setColumn. */
  votesPerRow(): Int32Array {
    return new Int32Array(this.rowVotes);
  }

  private appendEmptyColumn(): void {
    this.columns.push(undefined);
    this.voteCounts.push(new Int32Array(this.k));
    this.overlapCounts.push(0);
    this.conflictCounts.push(0);
    if (this.perClass) {
      const joint = new Int32Array((this.k + 1) * this.k);
      joint.set(this.perClass, 0); // an absent LF abstains on every row
      this.joint.push(joint);
    }
  }

  private addVote(i: number, v: number): void {
    const votes = ++this.rowVotes[i];
    if (votes === 1) this.coveredRows++;
    else if (votes === 2) this.overlappedRows++;
    if (++this.rowClassVotes[i * this.k + v] === 1) {
      if (++this.rowDistinct[i] === 2) this.conflictedRows++;
    }
  }

  private removeVote(i: number, v: number): void {
    const votes = --this.rowVotes[i];
    if (votes === 0) this.coveredRows--;
    else if (votes === 1) this.overlappedRows--;
    if (--this.rowClassVotes[i * this.k + v] === 0) {
      if (--this.rowDistinct[i] === 1) this.conflictedRows--;
    }
  }

  /**
   * The first `count` rows of `restated` changed overlap/conflict status: every other LF voting on one gains or
   * loses it. Column by column (one array read sequentially, sums in locals) rather than row by row across m arrays.
   */
  private restateOtherColumns(j: number, count: number): void {
    const { rows, dOverlap, dConflict } = this.restated!;
    for (let other = 0; other < this.columns.length; other++) {
      const col = this.columns[other];
      if (other === j || !col) continue;
      let overlap = 0;
      let conflict = 0;
      for (let t = 0; t < count; t++) {
        if (col[rows[t]!] !== -1) {
          overlap += dOverlap[t]!;
          conflict += dConflict[t]!;
        }
      }
      this.overlapCounts[other] += overlap;
      this.conflictCounts[other] += conflict;
    }
  }

  /** The gold tallies depend on this column alone, on the gold-labelled rows only (a few hundred, not n). */
  private recountGold(j: number, column: VoteColumn): void {
    if (!this.gold) return;
    const k = this.k;
    const joint = new Int32Array((k + 1) * k);
    for (const i of this.goldRows()) joint[(column[i] + 1) * k + this.gold[i]!]++;
    this.joint[j] = joint;
  }

  /** The rows with a gold label, ascending; rebuilt only after setGold changed them. */
  private goldRows(): Int32Array {
    if (this.goldRowsCache) return this.goldRowsCache;
    const rows: number[] = [];
    const gold = this.gold!;
    for (let i = 0; i < this.n; i++) if (gold[i] !== -1) rows.push(i);
    this.goldRowsCache = Int32Array.from(rows);
    return this.goldRowsCache;
  }
}
