/** Events the memory module emits (after commit). */
export const memoryEvents = {
  /** Memories of a user were added, changed, superseded or forgotten: `{ ownerId, memoryIds }`. */
  changed: 'memory.changed',
} as const;

/** Payload of `memory.changed`. */
export interface MemoryChangedEvent {
  ownerId: string;
  memoryIds: string[];
}
