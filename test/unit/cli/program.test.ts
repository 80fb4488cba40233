import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.ts';
import { integer, nonNegative } from '../../../src/cli/help.ts';

function walk(cmd: Command, path: string[] = []): Array<{ path: string; cmd: Command }> {
  return cmd.commands.flatMap((c) => [{ path: [...path, c.name()].join(' '), cmd: c }, ...walk(c, [...path, c.name()])]);
}

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

describe('the mailcluster command line', () => {
  const all = walk(buildProgram());

  it('has the verbs an operator looks for', () => {
    const names = all.map((c) => c.path);
    for (const v of ['node', 'dev', 'status', 'watch', 'where', 'move', 'drain', 'undrain', 'step-down', 'forget', 'queue list', 'queue show', 'queue flush', 'domain add', 'domain del', 'domain list', 'account add', 'account del', 'account list', 'account passwd', 'account quota', 'printconf', 'init']) {
      expect(names).toContain(v);
    }
  });

  it.each(walk(buildProgram()).map((c) => [c.path, c.cmd] as const))('%s has a description and an example in its help', (_path, cmd) => {
    expect(cmd.description().length).toBeGreaterThan(10);
    expect(helpOf(cmd)).toMatch(/Examples:\n {2}\$ mailcluster \S/);
  });

  it('every listing has --json', () => {
    for (const path of ['status', 'where', 'queue list', 'queue show', 'domain list', 'account list']) {
      const cmd = all.find((c) => c.path === path)!.cmd;
      expect(cmd.options.map((o) => o.long), path).toContain('--json');
    }
  });
});

describe('number parsers', () => {
  it('takes whole numbers in range and names what is wrong otherwise', () => {
    const n = integer(1, 16);
    expect(n('3')).toBe(3);
    expect(() => n('x')).toThrow(/not a whole number/);
    expect(() => n('2.5')).toThrow(/not a whole number/);
    expect(() => n('0')).toThrow(/from 1 to 16/);
    expect(() => n('17')).toThrow(/from 1 to 16/);
    expect(() => integer(2)('1')).toThrow(/at least 2/);
  });

  it('takes sizes of 0 or more', () => {
    expect(nonNegative('0')).toBe(0);
    expect(nonNegative('1.5')).toBe(1.5);
    expect(() => nonNegative('-1')).toThrow(/0 or more/);
    expect(() => nonNegative('')).toThrow(/0 or more/);
    expect(() => nonNegative('lots')).toThrow(/0 or more/);
  });
});
