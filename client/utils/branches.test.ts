import { describe, expect, it } from 'vitest';
import { branchPath, choicesFor, switchVersion, type BranchNode } from './branches';

// sys → q1 → a1 → q2 → a2 (the provider's current branch), and q1' (an edit of q1) → a1'.
const node = (id: string, parentId: string | null, branchIndex: number, isOnCurrentBranch: boolean): BranchNode => ({ id, parentId, branchIndex, isOnCurrentBranch });
const TREE: BranchNode[] = [
  node('sys', null, 0, true),
  node('q1', 'sys', 0, true),
  node('q1e', 'sys', 1, false),
  node('a1', 'q1', 0, true),
  node('a1e', 'q1e', 0, false),
  node('q2', 'a1', 0, true),
  node('a2', 'q2', 0, true),
];
const ids = (path: ReturnType<typeof branchPath>) => path.map((step) => step.message.id);

describe('branchPath', () => {
  it('follows the provider current branch by default', () => {
    const path = branchPath(TREE);
    expect(ids(path)).toEqual(['sys', 'q1', 'a1', 'q2', 'a2']);
    expect(path[1]).toMatchObject({ versions: ['q1', 'q1e'], versionIndex: 0 });
    expect(path[2]).toMatchObject({ versions: ['a1'], versionIndex: 0 });
  });

  it('follows a chosen version and its first descendants', () => {
    const path = branchPath(TREE, { sys: 'q1e' });
    expect(ids(path)).toEqual(['sys', 'q1e', 'a1e']);
    expect(path[1]?.versionIndex).toBe(1);
  });

  it('stops at a cycle instead of looping', () => {
    expect(ids(branchPath([node('a', null, 0, true), node('b', 'a', 0, true), node('a', 'b', 0, true)]))).toEqual(['a', 'b']);
  });

  it('is empty for no messages', () => {
    expect(branchPath([])).toEqual([]);
  });
});

describe('switchVersion', () => {
  it('moves to the next version and back', () => {
    const path = branchPath(TREE);
    const next = switchVersion({}, path[1]!, 1);
    expect(ids(branchPath(TREE, next))).toEqual(['sys', 'q1e', 'a1e']);
    const back = switchVersion(next, branchPath(TREE, next)[1]!, 0);
    expect(ids(branchPath(TREE, back))).toEqual(['sys', 'q1', 'a1', 'q2', 'a2']);
  });

  it('ignores an index out of range', () => {
    const choices = { sys: 'q1' };
    expect(switchVersion(choices, branchPath(TREE)[1]!, 5)).toBe(choices);
  });
});

describe('choicesFor', () => {
  it('puts a message of another branch on the displayed path', () => {
    expect(ids(branchPath(TREE, choicesFor(TREE, 'a1e')))).toEqual(['sys', 'q1e', 'a1e']);
  });
});
