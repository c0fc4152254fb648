import { describe, expect, it } from 'vitest';
import { silentLog } from '../sdk/testing/fixtures.ts';
import { expectSameText, MB, repeatTo, withinBudget } from '../sdk/testing/budget.ts';
import { hydratedShare, jsLiteralToJson } from './extract.ts';

/*
 * Hostile Kimi pages: a string literal that never ends (each later quote rescanned the rest of
 * the state), and blank runs around an unterminated `HYDRATION_INIT_STATE` assignment.
 */

describe('kimi hydration state on hostile pages', () => {
  it('jsLiteralToJson: an unterminated string of escaped quotes (2 MB), then tokens after it', async () => {
    const source = `"${repeatTo('\\"', 2 * MB)}`;
    expectSameText(await withinBudget(() => jsLiteralToJson(source)), source);
    // As before: after a string that never ends, `undefined` and `BigInt(…)` are still rewritten.
    expect(jsLiteralToJson('{"a":undefined,"b":"x\\",undefined,BigInt(12)}')).toBe('{"a":null,"b":"x\\",null,12}');
    expect(jsLiteralToJson('["\\\\",undefined,"BigInt(\\"1\\")",BigInt(123456789012345678901)]')).toBe('["\\\\",null,"BigInt(\\"1\\")","123456789012345678901"]');
  });

  it('the state assignment with 1 MB blank runs, with and without a closing </script>', async () => {
    const blanks = ' \t\n'.repeat(MB / 6);
    expect(await withinBudget(() => hydratedShare(`<script>window.HYDRATION_INIT_STATE${blanks}=${blanks};${blanks}`, undefined, silentLog))).toBeUndefined();
    expect(await withinBudget(() => hydratedShare(repeatTo(`window.HYDRATION_INIT_STATE${' '.repeat(50)}`), undefined, silentLog))).toBeUndefined();
    // Read up to the script's end, the blanks and the semicolon left out (no share query: no share).
    expect(await withinBudget(() => hydratedShare(`<script>window.HYDRATION_INIT_STATE =${blanks}{"queries":[]}${blanks};${blanks}</script>`, undefined, silentLog))).toEqual({ missing: false });
  });
});
