/**
 * Doc comments made for review (issue 9, part 7): a feature's text is
 * written once, no rST role survives into TSDoc, "Errors:" items are one
 * `@throws` each and notes are `@remarks` with their lists intact. Each rule
 * on small schemas, then on the seed: between 10.2.2 and
 * 10.2.2-backend-transfer, each changed doc sentence shows up in the
 * changed doc text of `migration.ts` as often as the seed writes it, not once
 * per member. Also the output's `.gitattributes` text.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { fileText, generateFiles } from '../../generator/emit/generate.js';
import { gitattributesText } from '../../generator/emit/gitattributes.js';
import { REPO_ROOT, SHARED_ROOT } from '../helpers/paths.js';
import { accept } from '../helpers/schema.js';

const RUNTIME = join(REPO_ROOT, 'templates', 'runtime');

/** The types file (`doc.ts`) generated for a one-file schema. */
async function typesOf(schema: string, opts: { lenientDocs?: boolean } = {}): Promise<string> {
  const files = generateFiles(accept({ 'doc.json': schema }, opts), { int64: 'number' }, RUNTIME);
  const f = files.find((x) => x.path === 'doc.ts');
  if (!f) throw new Error(`no doc.ts among ${files.map((x) => x.path).join(', ')}`);
  return fileText(f);
}

/** The text of the doc comment right before the first line matching `decl` (without `/**`, ` * ` and `*\/`). */
function docBefore(text: string, decl: RegExp): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => decl.test(l));
  if (at < 0) throw new Error(`no line matches ${decl}`);
  let end = at - 1;
  if (!/\*\/\s*$/.test(lines[end] ?? '')) return '';
  let start = end;
  while (start > 0 && !/^\s*\/\*\*/.test(lines[start]!)) start--;
  const body = lines.slice(start, end + 1).join('\n');
  return body
    .replace(/^\s*\/\*\*\s?/, '')
    .replace(/\s*\*\/\s*$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Any rST role left in the text (`:name:` or `:a:b:` right before a backquote). */
const ROLE = /:[A-Za-z][\w-]*(?::[\w-]+)*:`/;

describe('a feature text is written once', () => {
  const schema = `
##
# @Params:
#
# Some parameters.
#
# @a: first
#
# @b: second
#
# @c: third
#
# @d: fourth
#
# Features:
#
# @unstable: Members @a and @b are experimental.
#
# @deprecated: Member @c is going away.
#
# Since: 1.0
##
{ 'struct': 'Params',
  'data': { 'a': { 'type': 'int', 'features': [ 'unstable' ] },
            'b': { 'type': 'str', 'features': [ 'unstable' ] },
            'c': { 'type': 'str', 'features': [ 'deprecated' ] },
            'd': 'str' } }

##
# @Kind:
#
# @x: ex
#
# @y: why
#
# Features:
#
# @unstable: Values @x and @y are experimental.
#
# Since: 1.0
##
{ 'enum': 'Kind',
  'data': [ { 'name': 'x', 'features': [ 'unstable' ] },
            { 'name': 'y', 'features': [ 'unstable' ] } ] }

##
# @do-it:
#
# Does it.
#
# @old: old one
#
# @older: older one
#
# Features:
#
# @deprecated: Arguments @old and @older are deprecated.
#
# Since: 2.0
##
{ 'command': 'do-it',
  'data': { '*old': { 'type': 'str', 'features': [ 'deprecated' ] },
            '*older': { 'type': 'str', 'features': [ 'deprecated' ] } } }

##
# @legacy:
#
# A legacy command.
#
# @m: an argument
#
# Features:
#
# @deprecated: This command and its argument @m are deprecated.
#
# Since: 3.0
##
{ 'command': 'legacy', 'features': [ 'deprecated' ],
  'data': { 'm': { 'type': 'str', 'features': [ 'deprecated' ] } } }
`;
  let ts = '';
  beforeAll(async () => {
    ts = await typesOf(schema);
  });

  it('writes a text shared by several members once, on the definition', () => {
    expect(count(ts, 'Members `a` and `b` are experimental.')).toBe(1);
    const type = docBefore(ts, /^export interface Params /);
    expect(type).toContain('Unstable: Members `a` and `b` are experimental.');
    // The type itself isn't unstable.
    expect(type).not.toContain('@experimental');
    for (const m of ['a', 'b']) {
      const doc = docBefore(ts, new RegExp(`^\\s*${m}: `));
      expect(doc).toContain('@experimental');
      expect(doc).toContain('Unstable: see {@link Params}.');
      expect(doc).not.toContain('are experimental');
    }
    expect(docBefore(ts, /^\s*d: /)).not.toMatch(/experimental|deprecated|Unstable/i);
  });

  it('writes a text that serves one member on that member', () => {
    expect(count(ts, 'Member `c` is going away.')).toBe(1);
    expect(docBefore(ts, /^\s*c: /)).toContain('@deprecated Member `c` is going away.');
    expect(docBefore(ts, /^export interface Params /)).not.toContain('going away');
  });

  it('does the same for enum values, which link to their enum', () => {
    expect(count(ts, 'Values `x` and `y` are experimental.')).toBe(1);
    expect(docBefore(ts, /^export type Kind /)).toContain('Unstable: Values `x` and `y` are experimental.');
    for (const v of ['x', 'y']) {
      const doc = docBefore(ts, new RegExp(`^\\s*${v}: '${v}',`));
      expect(doc).toContain('Unstable: see {@link Kind}.');
      expect(doc).toContain('@experimental');
    }
  });

  it("names a command's arguments' feature text's home by the command (not a declaration)", () => {
    expect(count(ts, 'Arguments `old` and `older` are deprecated.')).toBe(1);
    expect(docBefore(ts, /^\s*'do-it': \{/)).toContain('Deprecated: Arguments `old` and `older` are deprecated.');
    for (const m of ['old', 'older']) expect(docBefore(ts, new RegExp(`^\\s*${m}\\?: `))).toContain('@deprecated See command `do-it`.');
  });

  it("puts a text the definition shares with its members in the definition's own tag", () => {
    expect(count(ts, 'This command and its argument `m` are deprecated.')).toBe(1);
    expect(docBefore(ts, /^\s*'?legacy'?: \{/)).toContain('@deprecated This command and its argument `m` are deprecated.');
    expect(docBefore(ts, /^\s*m: /)).toContain('@deprecated See command `legacy`.');
  });

  it('holds for any set of members sharing a feature (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 2, maxLength: 6 }),
        fc.constantFrom('unstable', 'deprecated', 'fdset'),
        async (flags, feature) => {
          if (!flags.some(Boolean)) flags[0] = true;
          const names = flags.map((_f, i) => `m${i}`);
          const users = names.filter((_n, i) => flags[i]);
          const text = `Members ${users.map((u) => '@' + u).join(', ')} share this text.`;
          const members = names.map((n, i) => `'${n}': ${flags[i] ? `{ 'type': 'str', 'features': [ '${feature}' ] }` : "'str'"}`);
          const out = await typesOf(`
##
# @Thing:
#
${names.map((n) => `# @${n}: member ${n}\n#`).join('\n')}
# Features:
#
# @${feature}: ${text}
#
# Since: 1.0
##
{ 'struct': 'Thing', 'data': { ${members.join(', ')} } }
`);
          const rendered = `Members ${users.map((u) => '`' + u + '`').join(', ')} share this text.`;
          expect(count(out, rendered)).toBe(1);
          const tag = feature === 'unstable' ? '@experimental' : feature === 'deprecated' ? '@deprecated' : null;
          for (const [i, n] of names.entries()) {
            const doc = docBefore(out, new RegExp(`^\\s*${n}: `));
            if (tag) expect(doc.includes(tag)).toBe(flags[i]);
            if (users.length > 1 && flags[i]) expect(doc).toMatch(/see \{@link Thing\}/i);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('rST roles', () => {
  const schema = `
##
# @Other:
#
# The other type.
#
# @x: a member
#
# Since: 1.0
##
{ 'struct': 'Other', 'data': { 'x': 'int' } }

##
# @Roles:
#
# Default role: \`Other\`, \`~Other\`, \`!Other\`, \`do-it\`,
# \`the other <Other>\`, \`do-it's x <do-it>\`.
#
# QAPI roles: :qapi:type:\`Other\`, :qapi:any:\`Other\`,
# :qapi:cmd:\`do-it\`, :qapi:event:\`BOOM\`,
# :qapi:type:\`the type <Other>\`.
#
# Manual: see :doc:\`QEMU QMP Reference </interop/qmp-spec>\`
# and :doc:\`/devel/qapi-code-gen\`,
# :ref:\`topology <cpu-topology-s390x>\`, :ref:\`cpu-topology-s390x\`;
# other roles: :option:\`-m\`, :envvar:\`HOME\`.
#
# @o: refers to :qapi:event:\`BOOM\` and @x
#
# Since: 1.0
##
{ 'struct': 'Roles', 'data': { 'o': 'Other' } }

##
# @do-it:
#
# Does it.
#
# Since: 1.0
##
{ 'command': 'do-it' }

##
# @BOOM:
#
# Boom.
#
# Since: 1.0
##
{ 'event': 'BOOM' }
`;
  let ts = '';
  beforeAll(async () => {
    ts = await typesOf(schema);
  });

  it('turns references to types into links, to commands and events into code', () => {
    const doc = docBefore(ts, /^export interface Roles /);
    expect(doc).toContain(
      'Default role: {@link Other}, {@link Other}, `Other`, `do-it`,\n{@link Other | the other}, `do-it\'s x`.',
    );
    expect(doc).toContain('QAPI roles: {@link Other}, {@link Other},\n`do-it`, `BOOM`,\n{@link Other | the type}.');
    expect(docBefore(ts, /^\s*o: /)).toBe('refers to `BOOM` and `x`');
  });

  it("turns :doc: and :ref: into their text, or their bare target as code", () => {
    const doc = docBefore(ts, /^export interface Roles /);
    expect(doc).toContain('Manual: see QEMU QMP Reference\nand `/devel/qapi-code-gen`,\ntopology, `cpu-topology-s390x`;\nother roles: `-m`, `HOME`.');
  });

  it('leaves no role behind', () => {
    expect(ts).not.toMatch(ROLE);
  });
});

describe('Errors and notes', () => {
  const schema = `
##
# @do-it:
#
# Does it.
#
# .. note:: A single note, with @arg.
#
# .. admonition:: Notes
#
#     1. The first note, which
#        spans two lines.
#
#     2. The second note.
#
# .. caution:: Careful.
#
# @arg: the argument
#
#     .. note:: A note on the argument.
#
# Errors:
#     - If @arg is bad, GenericError
#     - If the thing is missing or
#       cannot be found, DeviceNotFound
#
# Since: 2.0
##
{ 'command': 'do-it', 'data': { 'arg': 'str' } }

##
# @do-that:
#
# Does that.
#
# Errors: If it fails, GenericError
#
# Since: 2.0
##
{ 'command': 'do-that' }
`;
  let ts = '';
  beforeAll(async () => {
    ts = await typesOf(schema);
  });

  it('writes one @throws per item of an Errors list, never glued to its marker', () => {
    const doc = docBefore(ts, /^\s*'do-it': \{/);
    const throws = doc.split('\n').filter((l) => l.startsWith('@throws'));
    expect(throws).toEqual(['@throws If `arg` is bad, GenericError', '@throws If the thing is missing or']);
    expect(doc).toContain('@throws If the thing is missing or\ncannot be found, DeviceNotFound\n');
    expect(doc).not.toMatch(/@throws\s+[-*]/);
    expect(docBefore(ts, /^\s*'do-that': \{/)).toContain('@throws If it fails, GenericError');
  });

  it('writes notes as one @remarks, lists as Markdown lists', () => {
    const doc = docBefore(ts, /^\s*'do-it': \{/);
    expect(doc).toContain(
      [
        '@remarks',
        'A single note, with `arg`.',
        '',
        '1. The first note, which',
        '   spans two lines.',
        '',
        '2. The second note.',
      ].join('\n'),
    );
    expect(count(doc, '@remarks')).toBe(1);
    expect(doc).not.toMatch(/\*\*Notes?:?\*\*/);
    // Other admonitions stay in the text.
    expect(doc).toContain('**Caution:** Careful.');
    expect(docBefore(ts, /^\s*arg: /)).toBe('the argument\n\n@remarks\nA note on the argument.');
  });

  it("turns an old-style 'Note:' section (--lenient-docs) into @remarks", async () => {
    const out = await typesOf(
      `
##
# @Old:
#
# An old type.
#
# @x: a member
#
# Note: This type is old,
#       and so is its doc.
#
# Since: 1.0
##
{ 'struct': 'Old', 'data': { 'x': 'int' } }
`,
      { lenientDocs: true },
    );
    expect(docBefore(out, /^export interface Old /)).toBe('An old type.\n\n@remarks\nThis type is old,\nand so is its doc.\n@since 1.0');
  });
});

/** A line diff (Myers): the indexes of `b`'s lines that are not in `a`. */
function addedLines(a: readonly string[], b: readonly string[]): Set<number> {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!) ? v[max + k + 1]! : v[max + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[max + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  const added = new Set<number>();
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[max + k - 1]! < vd[max + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[max + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
    }
    if (prevK === k + 1) added.add(prevY);
    x = prevX;
    y = prevY;
  }
  return added;
}

/**
 * The paragraphs of doc text that contain a changed line, as plain text: markup removed, whitespace collapsed.
 * `docLine` says whether a line is doc text and gives its text; a paragraph ends at a blank or non-doc line, or before
 * a line that starts a new one (a tag, an `@name:` description).
 */
function changedParagraphs(
  before: string,
  after: string,
  docLine: (line: string) => string | null,
  startsParagraph: (text: string) => boolean,
  plain: (text: string) => string,
): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const added = addedLines(a, b);
  const out: string[] = [];
  let para: string[] = [];
  let changed = false;
  const flush = (): void => {
    if (changed && para.length) out.push(plain(para.join(' ')).replace(/\s+/g, ' ').trim());
    para = [];
    changed = false;
  };
  b.forEach((line, i) => {
    const text = docLine(line);
    if (text === null || text.trim() === '') return flush();
    if (startsParagraph(text)) flush();
    para.push(text.trim());
    if (added.has(i)) changed = true;
  });
  flush();
  return out;
}

/** Doc text of a QAPI schema file: its comment lines, without `#`. */
function schemaDocLine(line: string): string | null {
  return /^#( |$)/.test(line) ? line.replace(/^# ?/, '') : null;
}

function schemaPlain(text: string): string {
  return text
    .replace(/^@[\w-]+:\s*/, '')
    .replace(/``([^`]+)``/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/(^|[\s(])@([\w-]+)/g, '$1$2');
}

function tsDocLine(line: string): string | null {
  const m = /^\s*(?:\/\*\*|\*\/|\* ?|\*$)(.*)$/.exec(line);
  if (!m || /^\s*\/\*\*.*\*\/\s*$/.test(line)) {
    const one = /^\s*\/\*\*\s?(.*?)\s*\*\/\s*$/.exec(line);
    return one ? one[1]! : null;
  }
  return m[1]!.replace(/\*\/\s*$/, '');
}

function tsPlain(text: string): string {
  return text
    .replace(/\{@link [^}|]+\|\s*([^}]+)\}/g, '$1')
    .replace(/\{@link ([^}]+)\}/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\\@/g, '@');
}

/** A paragraph's sentences (split after a period). */
function sentences(paragraph: string): string[] {
  return paragraph.split(/(?<=\.)\s+/).filter((s) => s.length > 3);
}

describe('the seed, generated', () => {
  let root = '';
  const out = { base: '', seed: '' };
  beforeAll(async () => {
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    root = mkdtempSync(join(REPO_ROOT, 'tmp', 'docs-review-'));
    out.base = join(root, 'base');
    out.seed = join(root, 'seed');
    await generate({ schema: join(SHARED_ROOT, 'qemu/10.2.2/qapi/qapi-schema.json'), out: out.base });
    await generate({ schema: join(SHARED_ROOT, 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json'), out: out.seed });
  }, 900_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("shows each changed doc sentence of the seed as often as the seed writes it, not once per member", () => {
    const schemaBefore = readFileSync(join(SHARED_ROOT, 'qemu/10.2.2/qapi/migration.json'), 'utf8');
    const schemaAfter = readFileSync(join(SHARED_ROOT, 'qemu/10.2.2-backend-transfer/qapi/migration.json'), 'utf8');
    const seedParagraphs = changedParagraphs(
      schemaBefore,
      schemaAfter,
      schemaDocLine,
      (t) => /^@[\w-]+:/.test(t) || /^(Since|Features|Errors|Returns):/.test(t),
      schemaPlain,
    ).filter((p) => !/^(Since|Features):/.test(p));
    const seedSentences = new Map<string, number>();
    for (const p of seedParagraphs) for (const s of sentences(p)) seedSentences.set(s, (seedSentences.get(s) ?? 0) + 1);
    // The seed: the enum value's two sentences once, the new member's three and the new feature text in each of the
    // three definitions that have them.
    expect(seedSentences.size).toBe(6);
    expect(seedSentences.get('Members backend-transfer, x-checkpoint-delay and x-vcpu-dirty-limit-period are experimental.')).toBe(3);

    const tsBefore = readFileSync(join(out.base, 'migration.ts'), 'utf8');
    const tsAfter = readFileSync(join(out.seed, 'migration.ts'), 'utf8');
    const tsParagraphs = changedParagraphs(tsBefore, tsAfter, tsDocLine, (t) => /^@\w+/.test(t), tsPlain).join('\n');
    const seen: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const [s, n] of seedSentences) {
      seen[s] = count(tsParagraphs, s);
      expected[s] = n;
    }
    expect(seen).toEqual(expected);
  });

  it('leaves no rST role in any generated file', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((l, i) => {
              if (ROLE.test(l)) offenders.push(`${p.slice(out.base.length + 1)}:${i + 1}: ${l.trim()}`);
            });
        }
      }
    };
    walk(out.base);
    expect(offenders).toEqual([]);
    // The schema has them: the test would catch a regression.
    const schemaDir = join(SHARED_ROOT, 'qemu/10.2.2/qapi');
    const inSchema = readdirSync(schemaDir).filter((f) => f.endsWith('.json') && /:(qapi:[a-z]+|doc|ref):`/.test(readFileSync(join(schemaDir, f), 'utf8')));
    expect(inSchema.length).toBeGreaterThan(3);
  });
});

describe('gitattributesText', () => {
  it('marks everything generated but the types files', () => {
    const text = gitattributesText(['migration.ts', 'block-core.ts', './migration.ts']);
    expect(text).toBe(
      [
        '# Generated by qapi-ts. Everything here is generated: GitHub collapses it in diffs, except the types files, which are the part to review.',
        '* linguist-generated=true',
        '/block-core.ts linguist-generated=false',
        '/migration.ts linguist-generated=false',
        '',
      ].join('\n'),
    );
  });

  it('is read by git as meant, odd names included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qapi-ts-gitattributes-'));
    try {
      const types = ['migration.ts', 'sub/qom.ts', 'we*rd [x].ts'];
      writeFileSync(join(dir, '.gitattributes'), gitattributesText(types));
      execFileSync('git', ['init', '-q'], { cwd: dir });
      const paths = [...types, 'index.ts', 'migration.codec.ts', 'runtime/plans.ts', 'sub/other.ts', 'weird x.ts', '.qapi-ts-manifest.json'];
      const lines = execFileSync('git', ['check-attr', 'linguist-generated', '--', ...paths], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
      const got = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(': linguist-generated: ')), l.slice(l.lastIndexOf(': ') + 2)]));
      expect(got).toEqual({
        'migration.ts': 'false',
        'sub/qom.ts': 'false',
        'we*rd [x].ts': 'false',
        'index.ts': 'true',
        'migration.codec.ts': 'true',
        'runtime/plans.ts': 'true',
        'sub/other.ts': 'true',
        'weird x.ts': 'true',
        '.qapi-ts-manifest.json': 'true',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
