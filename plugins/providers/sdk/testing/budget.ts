import { expect } from 'vitest';

/*
 * Test support for the hostile-input (ReDoS) tests: posted pages and uploaded exports are
 * attacker-controlled and parsed on the server's event loop, so each parser must stay linear. The
 * adversarial inputs below took seconds to minutes before the fixes and take milliseconds after:
 * the budget is generous (CI has two slow cores). Never imported by a plugin itself.
 */

export const BUDGET_MS = 1000;

/** One mebibyte of characters: the adversarial inputs are 1–2 MB. */
export const MB = 1 << 20;

/** `unit` repeated until it is at least `length` characters long. */
export function repeatTo(unit: string, length = MB): string {
  return unit.repeat(Math.ceil(length / unit.length));
}

/** Runs `run` once (awaiting it), expects it to finish within the budget, and returns what it returned. */
export async function withinBudget<T>(run: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  const ms = performance.now() - start;
  expect(ms, `took ${Math.round(ms)} ms (budget ${BUDGET_MS} ms)`).toBeLessThan(BUDGET_MS);
  return result;
}

/** Expects two (long) strings to be equal, reporting where they differ instead of diffing megabytes. */
export function expectSameText(actual: string | undefined, expected: string): void {
  let at = 0;
  while (actual !== undefined && at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  const where = actual === undefined ? 'undefined' : `lengths ${actual.length} and ${expected.length}, first difference at ${at}: ${JSON.stringify(actual.slice(at, at + 40))} vs ${JSON.stringify(expected.slice(at, at + 40))}`;
  expect(actual === expected, where).toBe(true);
}
