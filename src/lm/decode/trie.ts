// A token trie over token-id sequences (e.g. the encodings of catalogue titles): per node its
// children by token, the sequence ending there, and how many sequences its subtree ends. Node 0 is
// the root; an id sequence given twice is one sequence (the first index).
export class TokenTrie {
  private readonly kids: Map<number, number>[] = [new Map()];
  private readonly endOf: number[] = [-1]; // per node: index of the sequence ending there, or −1
  private readonly below: number[] = [0]; // per node: sequences ending in its subtree (itself included)
  private readonly paths: number[][] = []; // per sequence: the nodes from the root's child to its end
  readonly size: number; // distinct sequences

  constructor(seqs: readonly (readonly number[])[]) {
    seqs.forEach((seq, i) => {
      if (seq.length === 0) throw new RangeError(`TokenTrie: sequence ${i} is empty`);
      let node = 0;
      const path: number[] = [];
      for (const t of seq) {
        let next = this.kids[node].get(t);
        if (next === undefined) {
          next = this.kids.length;
          this.kids.push(new Map());
          this.endOf.push(-1);
          this.below.push(0);
          this.kids[node].set(t, next);
        }
        path.push((node = next));
      }
      this.paths.push(path);
      if (this.endOf[node] !== -1) return;
      this.endOf[node] = i;
      this.below[0]++;
      for (const n of path) this.below[n]++;
    });
    this.size = this.below[0];
  }

  /** The child of `node` by `token`, or −1. */
  child(node: number, token: number): number {
    return this.kids[node].get(token) ?? -1;
  }

  /** The children of `node` as [token, child] pairs. */
  children(node: number): IterableIterator<[number, number]> {
    return this.kids[node].entries();
  }

  /** Index of the sequence that ends at `node`, or −1 (a sequence may also continue past it). */
  endsAt(node: number): number {
    return this.endOf[node];
  }

  /** How many distinct sequences end in the subtree of `node`. */
  count(node: number): number {
    return this.below[node];
  }

  /** The node of sequence `seq` at `depth` (0 = the root, 1 = after its first token), or −1 when it is shorter. */
  nodeOf(seq: number, depth: number): number {
    if (!(seq >= 0 && seq < this.paths.length)) throw new RangeError(`TokenTrie: no sequence ${seq}`);
    return depth === 0 ? 0 : (this.paths[seq][depth - 1] ?? -1);
  }
}
