/**
 * The write path's series lookup: (practice, agent, metric, label pairs in the order the sample
 * lists them) → series id, walked through nested Maps without building a key string per sample
 * (no allocation, no sorting, no JSON). Agents list labels in the same order every time, so this
 * almost always hits; a miss falls back to the canonical key (labels.ts), and the sample's order
 * is then remembered too. Unambiguous by construction: the path is the exact sequence of strings.
 */
export class TrieNode {
  id: number | undefined = undefined;
  next: Map<string, TrieNode> | undefined = undefined;

  child(s: string): TrieNode | undefined {
    return this.next?.get(s);
  }

  childOrNew(s: string): TrieNode {
    if (this.next === undefined) this.next = new Map();
    let c = this.next.get(s);
    if (c === undefined) {
      c = new TrieNode();
      this.next.set(s, c);
    }
    return c;
  }
}

export class KeyTrie {
  private readonly root = new TrieNode();

  get(practice: string, agent: string, metric: string, labels: Readonly<Record<string, string>>): number | undefined {
    const node = this.agentNode(practice, agent);
    return node === undefined ? undefined : KeyTrie.getIn(node, metric, labels);
  }

  /** The node of one practice's agent: the write path looks it up once per request. */
  agentNode(practice: string, agent: string): TrieNode | undefined {
    return this.root.child(practice)?.child(agent);
  }

  /** Lookup below an agentNode(). */
  static getIn(agentNode: TrieNode, metric: string, labels: Readonly<Record<string, string>>): number | undefined {
    let n = agentNode.child(metric);
    for (const k in labels) {
      if (n === undefined) return undefined;
      n = n.child(k)?.child(labels[k] as string);
    }
    return n?.id;
  }

  /** Sets the id and returns a handle that unset() takes (to undo a rolled-back insert). */
  set(practice: string, agent: string, metric: string, labels: Readonly<Record<string, string>>, id: number): object {
    let n = this.root.childOrNew(practice).childOrNew(agent).childOrNew(metric);
    for (const k in labels) n = n.childOrNew(k).childOrNew(labels[k] as string);
    n.id = id;
    return n;
  }

  unset(handle: object): void {
    (handle as TrieNode).id = undefined;
  }

  /** Forgets every path that leads to one of `ids` (empty nodes stay; they are reused). */
  deleteIds(ids: ReadonlySet<number>): void {
    const walk = (n: TrieNode): void => {
      if (n.id !== undefined && ids.has(n.id)) n.id = undefined;
      if (n.next !== undefined) for (const c of n.next.values()) walk(c);
    };
    walk(this.root);
  }
}
