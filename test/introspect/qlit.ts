/**
 * Reading QEMU's generated qapi-introspect.c back into the annotated tree of
 * templates/runtime/introspect.ts: the QLIT_* macros as JSON, and each item
 * between `#if COND` and `#endif /* COND *\/` annotated with COND. Also the
 * C form of conditions both ways (QEMU's `defined(A) && (!defined(B) || …)`),
 * and running QEMU's generator (the oracle) with a small process pool.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Annotated, AnnotatedObject, AnnotatedValue, IfCondition, IntrospectionTree } from '../../templates/runtime/introspect.js';
import { REPO_ROOT, SHARED_ROOT } from '../helpers/paths.js';

// ---- the C text ---------------------------------------------------------------

/** A tree whose conditions are still C text, as in the file. */
export type CTextTree = readonly Annotated<AnnotatedObject>[];

/** Parses the `qmp_schema_qlit` initializer of a qapi-introspect.c; conditions are kept as their C text. */
export function parseQlit(c: string): CTextTree {
  const start = /const QLitObject \w*qmp_schema_qlit = /.exec(c);
  if (!start) throw new Error('no qmp_schema_qlit in the C text');
  let pos = start.index + start[0].length;

  const fail = (what: string): never => {
    const line = c.slice(0, pos).split('\n').length;
    throw new Error(`qapi-introspect.c:${line}: expected ${what}, found ${JSON.stringify(c.slice(pos, pos + 40))}`);
  };
  /** Skips blanks and comments (not preprocessor lines). */
  const blank = /(?:\s+|\/\*[^]*?\*\/)+/y;
  const skip = (): void => {
    blank.lastIndex = pos;
    if (blank.test(c)) pos = blank.lastIndex;
  };
  const stickies = new Map<string, RegExp>();
  const stickyOf = (re: RegExp): RegExp => {
    let sticky = stickies.get(re.source);
    if (!sticky) stickies.set(re.source, (sticky = new RegExp(re.source, 'y')));
    return sticky;
  };
  const take = (re: RegExp, what: string): RegExpExecArray => {
    skip();
    const sticky = stickyOf(re);
    sticky.lastIndex = pos;
    const r = sticky.exec(c);
    if (!r) return fail(what);
    pos = sticky.lastIndex;
    return r;
  };
  const peek = (re: RegExp): boolean => {
    skip();
    const sticky = stickyOf(re);
    sticky.lastIndex = pos;
    return sticky.test(c);
  };
  const unquote = (s: string): string => s.replace(/\\(.)/g, '$1');

  const value = (): AnnotatedValue => {
    if (peek(/QLIT_QNULL\b/)) {
      take(/QLIT_QNULL/, 'QLIT_QNULL');
      return null;
    }
    if (peek(/QLIT_QBOOL\(/)) return take(/QLIT_QBOOL\((true|false)\)/, 'QLIT_QBOOL(true|false)')[1] === 'true';
    if (peek(/QLIT_QSTR\(/)) return unquote(take(/QLIT_QSTR\("((?:[^"\\\n]|\\.)*)"\)/, 'QLIT_QSTR("…")')[1]!);
    if (peek(/QLIT_QLIST\(/)) {
      take(/QLIT_QLIST\(\(\(QLitObject\[\]\) \{/, 'QLIT_QLIST(((QLitObject[]) {');
      const items: Annotated<AnnotatedValue>[] = [];
      while (!peek(/\{\}/)) {
        if (peek(/#if /)) {
          const cond = take(/#if ([^\n]*)\n/, '#if COND')[1]!;
          const v = value();
          take(/,/, "','");
          const end = take(/#endif \/\* ([^\n]*) \*\/\n/, '#endif /* COND */')[1]!;
          if (end !== cond) fail(`#endif /* ${cond} */`);
          items.push({ value: v, if: cond });
        } else {
          if (peek(/#/)) fail('a value (stray preprocessor line)');
          items.push({ value: value() });
          take(/,/, "','");
        }
      }
      take(/\{\}\s*\}\)\)/, '{} }))');
      return items;
    }
    if (peek(/QLIT_QDICT\(/)) {
      take(/QLIT_QDICT\(\(\(QLitDictEntry\[\]\) \{/, 'QLIT_QDICT(((QLitDictEntry[]) {');
      const out: Record<string, AnnotatedValue> = {};
      while (!peek(/\{\}/)) {
        const key = unquote(take(/\{ "((?:[^"\\\n]|\\.)*)", /, '{ "key", ')[1]!);
        if (Object.hasOwn(out, key)) fail(`a new key (not ${key} again)`);
        out[key] = value();
        take(/,\s*\},/, ', },');
      }
      take(/\{\}\s*\}\)\)/, '{} }))');
      return out;
    }
    return fail('a QLIT_* value');
  };

  const tree = value();
  take(/;/, "';'");
  if (!Array.isArray(tree)) throw new Error('qmp_schema_qlit is not a list');
  return tree as CTextTree;
}

// ---- conditions in C form -----------------------------------------------------

/** A condition as QEMU prints it in `#if` (scripts/qapi/common.py's rules: parentheses around every nested all/any). */
export function conditionToC(cond: IfCondition): string {
  const gen = (c: IfCondition, nested: boolean): string => {
    if (typeof c === 'string') return `defined(${c})`;
    if ('not' in c) return `!${gen(c.not, true)}`;
    const [op, args] = 'all' in c ? [' && ', c.all] : [' || ', c.any];
    const text = args.map((a) => gen(a, true)).join(op);
    return nested ? `(${text})` : text;
  };
  return gen(cond, false);
}

/**
 * Parses a C condition as QEMU prints it. Parentheses group: a group of one
 * operand (QEMU's `{'all': [X]}` or `{'any': [X]}`, which print the same)
 * reads as `{'all': [X]}`, and so does a whole condition in parentheses
 * (around X = the group); see {@link cShape}.
 */
export function conditionFromC(text: string): IfCondition {
  const tokens = text.match(/defined\([A-Za-z0-9_]+\)|&&|\|\||!|\(|\)|\S/g) ?? [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`bad C condition ${JSON.stringify(text)}: expected ${what} at token ${i} (${tokens[i] ?? 'end'})`);
  };
  const primary = (): IfCondition => {
    const t = tokens[i];
    if (t === '!') {
      i++;
      return { not: primary() };
    }
    if (t === '(') {
      i++;
      const [args, op] = infix();
      if (tokens[i++] !== ')') fail("')'");
      return op === '||' ? { any: args } : { all: args };
    }
    const m = t === undefined ? null : /^defined\(([A-Za-z0-9_]+)\)$/.exec(t);
    if (!m) return fail('defined(NAME), ! or (');
    i++;
    return m[1]!;
  };
  const infix = (): [IfCondition[], string | null] => {
    const args = [primary()];
    let op: string | null = null;
    while (tokens[i] === '&&' || tokens[i] === '||') {
      if (op !== null && tokens[i] !== op) fail(`${op} (QEMU never mixes && and || without parentheses)`);
      op = tokens[i++]!;
      args.push(primary());
    }
    return [args, op];
  };
  const startsGroup = tokens[0] === '(';
  const [args, op] = infix();
  if (i !== tokens.length) fail('the end');
  if (op !== null) return op === '||' ? { any: args } : { all: args };
  // A whole condition in parentheses is a group inside a one-operand group.
  return startsGroup ? { all: args } : args[0]!;
}

/**
 * A condition reshaped to what {@link conditionFromC} reads back from its C
 * text: a one-operand all/any is `{'all': [X]}`, except at the top where X
 * prints without parentheses (a name or a `not`), which is X itself.
 */
export function cShape(cond: IfCondition): IfCondition {
  const shape = (c: IfCondition, nested: boolean): IfCondition => {
    if (typeof c === 'string') return c;
    if ('not' in c) return { not: shape(c.not, true) };
    const args = 'all' in c ? c.all : c.any;
    if (args.length === 1) {
      const only = shape(args[0]!, true);
      // At the top, one operand prints as that operand nested: parentheses only if it is a group.
      if (nested || (typeof only !== 'string' && !('not' in only))) return { all: [only] };
      return only;
    }
    const shaped = args.map((a) => shape(a, true));
    return 'all' in c ? { all: shaped } : { any: shaped };
  };
  return shape(cond, false);
}

/** The same tree with every condition mapped by `f` (values untouched). */
export function mapConditions<A, B>(tree: readonly Annotated<AnnotatedValue>[], f: (cond: A) => B): Annotated<AnnotatedValue>[] {
  const walk = (v: AnnotatedValue): AnnotatedValue => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return (v as readonly Annotated<AnnotatedValue>[]).map(item);
    const out: Record<string, AnnotatedValue> = {};
    for (const [k, x] of Object.entries(v as AnnotatedObject)) out[k] = walk(x);
    return out;
  };
  const item = (a: Annotated<AnnotatedValue>): Annotated<AnnotatedValue> =>
    a.if === undefined ? { value: walk(a.value) } : ({ value: walk(a.value), if: f(a.if as A) } as unknown as Annotated<AnnotatedValue>);
  return tree.map(item);
}

/** The tree read from C, with its conditions parsed (as {@link conditionFromC}). */
export function parsedConditions(tree: CTextTree): IntrospectionTree {
  return mapConditions<string, IfCondition>(tree, conditionFromC) as IntrospectionTree;
}

// ---- the oracle -----------------------------------------------------------------

export const QEMU_SCRIPTS = join(SHARED_ROOT, 'qemu-generator', 'scripts');
const DRIVER = join(REPO_ROOT, 'test', 'introspect', 'qemu-introspect.py');
const PYTHON = process.env.PYTHON ?? 'python3';

export interface OracleRun {
  schema: string;
  unmask?: boolean;
  lenientDocs?: boolean;
  /**
   * Run the whole `qapi-gen.py -o DIR [-u] SCHEMA` (every backend, about five
   * times slower on the QMP schema) instead of the driver, which runs its
   * front end and introspection backend only. Not with `lenientDocs`.
   */
  qapiGen?: boolean;
}

/** With QAPI_TS_ORACLE_QAPI_GEN=1, every run that can be is a whole qapi-gen.py run. */
export const ALWAYS_QAPI_GEN = process.env.QAPI_TS_ORACLE_QAPI_GEN === '1';

function python(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`QEMU's generator failed (${args.join(' ')}): ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** QEMU's qapi-introspect.c for a schema (through test/introspect/qemu-introspect.py, or qapi-gen.py itself). */
export async function runOracle(run: OracleRun): Promise<string> {
  if (run.qapiGen === true || (ALWAYS_QAPI_GEN && run.lenientDocs !== true)) {
    if (run.lenientDocs) throw new Error('qapi-gen.py has no lenient doc mode');
    const out = mkdtempSync(join(tmpdir(), 'qapi-ts-qapi-gen-'));
    try {
      await python([join(QEMU_SCRIPTS, 'qapi-gen.py'), '-o', out, ...(run.unmask ? ['-u'] : []), run.schema]);
      return readFileSync(join(out, 'qapi-introspect.c'), 'utf8');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const args = [DRIVER, QEMU_SCRIPTS, run.schema];
  if (run.unmask) args.push('--unmask');
  if (run.lenientDocs) args.push('--lenient-docs');
  return python(args);
}

/** Runs many oracle jobs, at most `width` at a time (default: the cores, at most 2); each promise settles on its own. */
export function oraclePool(runs: readonly OracleRun[], width = Math.min(2, availableParallelism())): Promise<string>[] {
  const results: Promise<string>[] = [];
  let active = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    if (active < width) {
      active++;
      return;
    }
    await new Promise<void>((r) => waiting.push(r));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  for (const run of runs) {
    const p = (async () => {
      await slot();
      try {
        return await runOracle(run);
      } finally {
        release();
      }
    })();
    p.catch(() => {}); // settled by the test that awaits it
    results.push(p);
  }
  return results;
}
