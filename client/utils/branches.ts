/** The fields of a stored message that place it in the conversation's tree. */
export interface BranchNode {
  id: string;
  parentId: string | null;
  branchIndex: number;
  isOnCurrentBranch: boolean;
}

/** One message of the displayed branch, with its versions (siblings) for the branch switcher. */
export interface BranchStep<T extends BranchNode> {
  message: T;
  /** Ids of every version of this message (same parent), in the provider's order. */
  versions: string[];
  /** Position of `message` among `versions` (0-based). */
  versionIndex: number;
}

/** Which child was picked under each parent (`''` for the roots): the user's branch choices. */
export type BranchChoices = Record<string, string>;

const ROOT = '';

function childrenByParent<T extends BranchNode>(messages: readonly T[]): Map<string, T[]> {
  const children = new Map<string, T[]>();
  for (const message of messages) {
    const key = message.parentId ?? ROOT;
    const list = children.get(key) ?? [];
    list.push(message);
    children.set(key, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.branchIndex - b.branchIndex);
  return children;
}

/**
 * The branch to show: from the root down, the chosen child where the user chose one, else the
 * child on the provider's current branch, else the first version (as the server's `leafMessageId`
 * walk does).
 */
export function branchPath<T extends BranchNode>(messages: readonly T[], choices: BranchChoices = {}): BranchStep<T>[] {
  const children = childrenByParent(messages);
  const path: BranchStep<T>[] = [];
  const seen = new Set<string>();
  let key = ROOT;
  for (;;) {
    const versions = children.get(key);
    if (!versions?.length) break;
    const chosen = versions.find((m) => m.id === choices[key]) ?? versions.find((m) => m.isOnCurrentBranch) ?? (versions[0] as T);
    if (seen.has(chosen.id)) break; // a cycle in bad data: stop rather than loop
    seen.add(chosen.id);
    path.push({ message: chosen, versions: versions.map((m) => m.id), versionIndex: versions.indexOf(chosen) });
    key = chosen.id;
  }
  return path;
}

/** The choices that put `messageId` on the displayed branch (a link to a message on another branch). */
export function choicesFor(messages: readonly BranchNode[], messageId: string, base: BranchChoices = {}): BranchChoices {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const choices: BranchChoices = { ...base };
  const seen = new Set<string>();
  for (let node = byId.get(messageId); node && !seen.has(node.id); node = node.parentId ? byId.get(node.parentId) : undefined) {
    seen.add(node.id);
    choices[node.parentId ?? ROOT] = node.id;
  }
  return choices;
}

/** The choices after switching the message at `step` to its version `index`. */
export function switchVersion(choices: BranchChoices, step: BranchStep<BranchNode>, index: number): BranchChoices {
  const target = step.versions[index];
  if (target === undefined) return choices;
  return { ...choices, [step.message.parentId ?? ROOT]: target };
}
