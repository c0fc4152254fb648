import { describe, expect, it } from 'vitest';
import { addsNothing, refines } from './reconcile.ts';
import { contentHash, normalizeContent } from './rows.ts';

describe('reconciliation rules', () => {
  it('sees a refinement when the new wording keeps every word and adds some', () => {
    expect(refines('Lives in Lisbon', 'Lives in Lisbon, Portugal')).toBe(true);
    expect(refines('Prefers tabs for indentation', 'Prefers spaces over tabs')).toBe(false);
    expect(refines('Lives in Lisbon', 'Lives in Lisbon')).toBe(false);
  });

  it('sees a duplicate when the new wording adds nothing', () => {
    expect(addsNothing('Lives in Lisbon, Portugal', 'lives in Lisbon')).toBe(true);
    expect(addsNothing('Owns a bicycle number 1', 'Owns a bicycle number 2')).toBe(false);
  });

  it('hashes wordings that differ only in case, spacing and final punctuation alike', () => {
    expect(normalizeContent('  Prefers   Tabs. ')).toBe('prefers tabs');
    expect(contentHash('Prefers tabs.')).toBe(contentHash('prefers  TABS'));
  });
});
