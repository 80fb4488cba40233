/**
 * THREAD algorithms (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES. Pure: the input is one record per
 * message that matched the search, the output a forest whose nodes carry the number to send (a
 * sequence number or a UID) or, for a dummy kept at the top level, none.
 *
 * "Sent date" ties are broken by mailbox order (`order`, the sequence number), as RFC 5256 §2.2 says.
 */
import type { BaseSubject } from './base-subject.ts';

export interface ThreadInput {
  /** What the response names: a sequence number or a UID. */
  id: number;
  /** Mailbox order (sequence number). */
  order: number;
  /** Sent date, INTERNALDATE when the Date header is unusable (epoch ms). */
  date: number;
  subject: BaseSubject;
  /** Message-ID without <>, or undefined when missing or invalid. */
  messageId: string | undefined;
  /** References' ids in order, or In-Reply-To's first when References has none. */
  references: string[];
}

export interface ThreadNode {
  id?: number;
  children: ThreadNode[];
}

const MSG_ID = /<([^<>\s]+)>/g;

/**
 * Only a message's last MAX_REFERENCES references are linked: a hostile References header of
 * thousands of ids would otherwise build a chain of dummies that deep (quadratic linking, and
 * recursion as deep as the chain). Real threads carry far fewer; the nearest ancestors are last.
 */
export const MAX_REFERENCES = 100;

/** The `<…>` ids of a References / In-Reply-To / Message-ID value, without the brackets. */
export function messageIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...value.matchAll(MSG_ID)].map((m) => m[1]!);
}

const byDate = (a: ThreadInput, b: ThreadInput) => a.date - b.date || a.order - b.order;

/** ORDEREDSUBJECT: group by base subject; threads by their first message's date; children flat. */
export function orderedSubject(msgs: readonly ThreadInput[]): ThreadNode[] {
  const sorted = [...msgs].sort((a, b) => (a.subject.key < b.subject.key ? -1 : a.subject.key > b.subject.key ? 1 : byDate(a, b)));
  const threads: { first: ThreadInput; node: ThreadNode }[] = [];
  let last: { first: ThreadInput; node: ThreadNode } | undefined;
  for (const m of sorted) {
    if (last && last.first.subject.key === m.subject.key) last.node.children.push({ id: m.id, children: [] });
    else threads.push((last = { first: m, node: { id: m.id, children: [] } }));
  }
  return threads.sort((a, b) => byDate(a.first, b.first)).map((t) => t.node);
}

interface Container {
  msg?: ThreadInput;
  parent?: Container;
  children: Container[];
}

function isAncestor(a: Container, of: Container): boolean {
  for (let c: Container | undefined = of; c; c = c.parent) if (c === a) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  if (!child.parent) return;
  child.parent.children.splice(child.parent.children.indexOf(child), 1);
  delete child.parent;
}

/** REFERENCES (RFC 5256 §3, steps 1–6). */
export function references(msgs: readonly ThreadInput[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const container = (id: string): Container => {
    let c = byId.get(id);
    if (!c) byId.set(id, (c = { children: [] }));
    return c;
  };
  let unique = 0;
  for (const m of [...msgs].sort((a, b) => a.order - b.order)) {
    // (1A) the message's own container; a missing or duplicate Message-ID gets a unique one
    let own = m.messageId === undefined ? undefined : container(m.messageId);
    if (!own || own.msg) own = container(`\0dup${unique++}`);
    own.msg = m;
    // (1B) link the references as a parent/child chain, never making a loop nor re-parenting
    let prev: Container | undefined;
    for (const ref of m.references.slice(-MAX_REFERENCES)) {
      const c = container(ref);
      if (prev && !c.parent && c !== prev && !isAncestor(c, prev)) link(prev, c);
      prev = c;
    }
    // (1C) the message's parent is its last reference, replacing any parent it had
    if (prev && prev !== own && !isAncestor(own, prev)) link(prev, own);
    else if (!prev) unlink(own);
  }
  // (2) root set
  const roots = new Set<Container>();
  for (const c of byId.values()) {
    let top = c;
    while (top.parent) top = top.parent;
    roots.add(top);
  }
  // (3) prune dummies
  let rootList = prune([...roots], true);
  // (4) sort the root set by the date of each root (a dummy: its earliest child, after sorting)
  sortSiblings(rootList);
  // (5) merge roots that share a base subject
  rootList = mergeBySubject(rootList);
  // (6) sort every set of siblings, youngest first, the roots last (a dummy by its first child)
  for (const r of rootList) sortTree(r);
  sortSiblings(rootList);
  return rootList.map(toNode);
}

function prune(list: Container[], atRoot: boolean): Container[] {
  const out: Container[] = [];
  for (const c of list) {
    c.children = prune(c.children, false);
    for (const k of c.children) k.parent = c;
    if (c.msg) out.push(c);
    else if (c.children.length === 0) continue;
    else if (!atRoot || c.children.length === 1) {
      for (const k of c.children) {
        if (atRoot) delete k.parent;
        else k.parent = c.parent!;
      }
      out.push(...c.children);
    } else out.push(c);
  }
  return out;
}

function dateOf(c: Container): ThreadInput | undefined {
  return c.msg ?? (c.children[0] && dateOf(c.children[0]));
}

function sortSiblings(list: Container[]): void {
  for (const c of list) if (!c.msg) sortSiblings(c.children);
  list.sort((a, b) => {
    const x = dateOf(a);
    const y = dateOf(b);
    return x && y ? byDate(x, y) : 0;
  });
}

function sortTree(c: Container): void {
  for (const k of c.children) sortTree(k);
  sortSiblings(c.children);
}

function subjectOf(c: Container): ThreadInput['subject'] | undefined {
  return (c.msg ?? c.children[0]?.msg)?.subject;
}

function mergeBySubject(roots: Container[]): Container[] {
  const table = new Map<string, Container>();
  for (const c of roots) {
    const s = subjectOf(c);
    if (!s || s.key === '') continue;
    const old = table.get(s.key);
    if (!old || (!c.msg && old.msg) || (old.msg?.subject.isReply && c.msg && !c.msg.subject.isReply)) table.set(s.key, c);
  }
  const out: Container[] = [];
  const replaced = new Map<Container, Container>();
  for (const c of roots) {
    const s = subjectOf(c);
    let t = s && s.key !== '' ? table.get(s.key) : undefined;
    while (t && replaced.has(t)) t = replaced.get(t)!;
    if (!t || t === c) {
      out.push(c);
      continue;
    }
    if (!t.msg && !c.msg) for (const k of [...c.children]) link(t, k);
    else if (!t.msg && c.msg) link(t, c);
    else if (t.msg && c.msg && !t.msg.subject.isReply && c.msg.subject.isReply) link(t, c);
    else if (t.msg && !c.msg) link(c, t), replaced.set(t, c), swap(out, t, c);
    else {
      const dummy: Container = { children: [] };
      const at = out.indexOf(t);
      link(dummy, t);
      link(dummy, c);
      replaced.set(t, dummy);
      if (at >= 0) out[at] = dummy;
      else out.push(dummy);
    }
  }
  return out;
}

function swap(list: Container[], from: Container, to: Container): void {
  const i = list.indexOf(from);
  if (i >= 0) list[i] = to;
  else list.push(to);
}

function toNode(c: Container): ThreadNode {
  return c.msg ? { id: c.msg.id, children: c.children.map(toNode) } : { children: c.children.map(toNode) };
}
