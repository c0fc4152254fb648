import { describe, expect, it } from 'vitest';
import { defineModule, ModuleGraphError, orderModules } from './module.ts';

const mod = (name: string, dependsOn: string[] = []) => defineModule({ name, dependsOn });

describe('orderModules', () => {
  it('puts every module after its dependencies', () => {
    const order = orderModules([mod('memory', ['capture', 'search']), mod('search', ['capture']), mod('capture'), mod('admin')]).map((m) => m.name);
    expect(order).toEqual(['capture', 'search', 'memory', 'admin']);
  });

  it('refuses a cycle and names it', () => {
    expect(() => orderModules([mod('a', ['b']), mod('b', ['c']), mod('c', ['a'])])).toThrowError(
      expect.objectContaining({ code: 'MODULE_CYCLE', message: 'Module dependency cycle: a → b → c → a' }),
    );
  });

  it('refuses a missing dependency', () => {
    expect(() => orderModules([mod('memory', ['capture'])])).toThrowError(ModuleGraphError);
    expect(() => orderModules([mod('memory', ['capture'])])).toThrowError("Module 'memory' depends on 'capture', which is not loaded");
  });

  it('refuses duplicate names and misnamed jobs', () => {
    expect(() => orderModules([mod('a'), mod('a')])).toThrowError(expect.objectContaining({ code: 'MODULE_DUPLICATE' }));
    const job = { payload: {} as never, run: async () => undefined };
    expect(() => orderModules([defineModule({ name: 'a', jobs: { 'b.run': job } })])).toThrowError(expect.objectContaining({ code: 'MODULE_JOB_NAME' }));
  });
});
