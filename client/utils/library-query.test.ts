import { describe, expect, it } from 'vitest';
import { filtersToQuery, listInput, type LibraryFilters } from './library-query';

const NONE: LibraryFilters = { q: '', provider: '', tag: '', from: '', to: '' };

describe('listInput', () => {
  it('sends only the limit when nothing is set', () => {
    expect(listInput(NONE, 100)).toEqual({ limit: 100 });
  });

  it('trims the title filter and lower-cases the tag', () => {
    expect(listInput({ ...NONE, q: '  rust ', tag: ' Work ', provider: 'claude' }, 50)).toEqual({ limit: 50, q: 'rust', tag: 'work', provider: 'claude' });
  });

  it('includes the whole "to" day (the server bound is exclusive)', () => {
    const input = listInput({ ...NONE, from: '2024-03-01', to: '2024-03-31' }, 10);
    expect(input.from).toEqual(new Date('2024-03-01T00:00:00'));
    expect(input.to).toEqual(new Date('2024-04-01T00:00:00'));
  });

  it('ignores a malformed date', () => {
    expect(listInput({ ...NONE, from: 'yesterday' }, 10)).toEqual({ limit: 10 });
  });
});

describe('filtersToQuery', () => {
  it('keeps only the filters that are set', () => {
    expect(filtersToQuery({ ...NONE, q: 'x', tag: 'work' })).toEqual({ q: 'x', tag: 'work' });
  });
});
