/**
 * The CLI around QEMU 10.2's doc-comment rules: --lenient-docs prints a
 * summary of many warnings (all of them with --verbose), and a schema that
 * fails on those rules alone gets a hint to use --lenient-docs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TempSchemaDir } from '../helpers/schema.js';

const tmp = new TempSchemaDir();
afterAll(() => tmp.cleanup());

const long = '# ' + 'word '.repeat(15) + 'end';
const struct = "{ 'struct': 'Foo', 'data': {} }";
tmp.write({
  // Two violations: printed as they are.
  'two.json': `##\n# One. Two.\n${long}\n##\n`,
  // Eight violations of three rules.
  'eight.json': `##\n# A. B.\n${long}\n# C. D.\n${long}\n${long}\n# E. F.\n##\n##\n# @Foo:\n#\n# Note: old\n#\n# Example: old\n##\n${struct}\n`,
  // A doc rule, then an error no flag excuses.
  'mixed.json': `##\n# @foo:\n#\n# A. B.\n##\n{ 'struct': 'foo', 'data': {} }\n`,
  // A doc rule only, in a schema QEMU would otherwise accept.
  'docs-only.json': `##\n# @Foo:\n#\n# Since: 1.0. Really.\n##\n${struct}\n`,
});

const HINT = "qapi-ts: hint: the schema breaks only QEMU 10.2's doc-comment rules (an older schema?); --lenient-docs makes them warnings";

describe('--lenient-docs warnings', () => {
  it('prints up to 5 warnings as they are', async () => {
    const r = await runCli(['check', '--lenient-docs', 'two.json'], { cwd: tmp.dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('two.json:2: warning: Use two spaces between sentences\ntwo.json:3: warning: documentation line longer than 70 characters\n');
  });

  it('sums up more: the count per rule, the first 5 with file and line', async () => {
    const r = await runCli(['check', '--lenient-docs', 'eight.json'], { cwd: tmp.dir });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      "qapi-ts: warning: 8 violations of QEMU 10.2's doc-comment rules (--lenient-docs), by rule:",
      '  3  Use two spaces between sentences',
      '  3  documentation line longer than 70 characters',
      "  1  The '…' section is no longer supported. Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead.",
      "  1  The '…' section is no longer supported. Please use the '.. qmp-example::' directive, or other suitable markup instead.",
      'the first 5:',
      'eight.json:2: warning: Use two spaces between sentences',
      'eight.json:3: warning: documentation line longer than 70 characters',
      'eight.json:4: warning: Use two spaces between sentences',
      'eight.json:5: warning: documentation line longer than 70 characters',
      'eight.json:6: warning: documentation line longer than 70 characters',
      'qapi-ts: warning: --verbose lists all 8',
      '',
    ]);
  });

  it('lists every warning with --verbose, for every command that reads a schema', async () => {
    const expected = [
      'eight.json:2: warning: Use two spaces between sentences',
      'eight.json:3: warning: documentation line longer than 70 characters',
      'eight.json:4: warning: Use two spaces between sentences',
      'eight.json:5: warning: documentation line longer than 70 characters',
      'eight.json:6: warning: documentation line longer than 70 characters',
      'eight.json:7: warning: Use two spaces between sentences',
      "eight.json:12: warning: The 'Note' section is no longer supported. Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead.",
      "eight.json:14: warning: The 'Example' section is no longer supported. Please use the '.. qmp-example::' directive, or other suitable markup instead.",
      '',
    ].join('\n');
    const [check, dump] = await Promise.all([
      runCli(['check', '--lenient-docs', '--verbose', 'eight.json'], { cwd: tmp.dir }),
      runCli(['dump', '--lenient-docs', '--verbose', 'eight.json'], { cwd: tmp.dir }),
    ]);
    expect(check.status).toBe(0);
    expect(check.stderr).toBe(expected);
    expect(dump.status).toBe(0);
    expect(dump.stderr).toBe(expected);
  });

  it('prints the summary before an error the flag does not excuse', async () => {
    const r = await runCli(['check', '--lenient-docs', 'mixed.json'], { cwd: tmp.dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("mixed.json:4: warning: Use two spaces between sentences\nmixed.json: In struct 'foo':\nmixed.json:6: name of struct must use CamelCase\n");
  });
});

describe('the --lenient-docs hint', () => {
  it("follows QEMU's message when only doc rules fail", async () => {
    const r = await runCli(['check', 'docs-only.json'], { cwd: tmp.dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`docs-only.json:4:14: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.\n${HINT}\n`);
  });

  it('is not given when another rule fails as well', async () => {
    const r = await runCli(['check', 'mixed.json'], { cwd: tmp.dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('mixed.json:4:5: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.\n');
  });

  it('is given by generate too, but not by dump (whose stderr is exactly QEMU\'s test-suite output)', async () => {
    const [gen, dump] = await Promise.all([
      runCli(['generate', '--schema', 'docs-only.json', '--out', 'out', '--check'], { cwd: tmp.dir }),
      runCli(['dump', 'docs-only.json'], { cwd: tmp.dir }),
    ]);
    expect(gen.status).toBe(1);
    expect(gen.stderr.trimEnd().split('\n').at(-1)).toBe(HINT);
    expect(dump.status).toBe(1);
    expect(dump.stderr).toBe('docs-only.json:4:14: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.\n');
  });
});
