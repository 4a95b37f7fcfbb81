/** The parser: expressions, QEMU's syntax errors with FILE:LINE:COL, includes and pragmas. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SchemaParser, type ExprValue } from '../../generator/parse/parser.js';
import { QapiError } from '../../generator/source/source-info.js';
import { TempSchemaDir, accept, dumpOf, errorOf, lines } from '../helpers/schema.js';

let tmp: TempSchemaDir;
beforeEach(() => {
  tmp = new TempSchemaDir();
});
afterEach(() => tmp.cleanup());

/** Parses text (no checks beyond the parser's) and returns the expressions as plain JS. */
function parse(text: string): unknown[] {
  tmp.write({ 'p.json': text });
  const { exprs } = SchemaParser.parseFile(tmp.path('p.json'));
  return exprs.map((e) => toPlain(e.expr));
}

function parseError(text: string): string {
  tmp.write({ 'p.json': text });
  try {
    SchemaParser.parseFile(tmp.path('p.json'));
  } catch (err) {
    if (err instanceof QapiError) return tmp.relative(err.message);
    throw err;
  }
  throw new Error('expected a parse error');
}

function toPlain(v: ExprValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

describe('expressions', () => {
  it('reads objects, lists, strings and booleans', () => {
    expect(parse("{ 'a': 'x', 'b': [ 'y', true, false, [], {} ], 'c': { 'd': { } } }")).toEqual([
      { a: 'x', b: ['y', true, false, [], {}], c: { d: {} } },
    ]);
  });

  it('reads several top-level expressions, in order, with comments between', () => {
    expect(parse("# one\n{ 'n': '1' }\n# two\n{ 'n': '2' } { 'n': '3' }")).toEqual([{ n: '1' }, { n: '2' }, { n: '3' }]);
  });

  it('keeps key order as written', () => {
    const [e] = parse("{ 'z': 'a', 'a': 'b', 'm': 'c' }");
    expect(Object.keys(e as object)).toEqual(['z', 'a', 'm']);
  });

  it('an empty file has no expressions', () => {
    expect(parse('')).toEqual([]);
    expect(parse('# only a comment\n')).toEqual([]);
  });

  it('accepts a file without a final newline', () => {
    expect(parse("{ 'a': 'b' }")).toEqual([{ a: 'b' }]);
  });

  it('accepts CRLF line ends', () => {
    expect(parse("{ 'a':\r\n 'b' }\r\n")).toEqual([{ a: 'b' }]);
  });

  it('records the line each expression starts on', () => {
    tmp.write({ 'p.json': "\n\n{ 'a':\n 'b' }\n{ 'c': 'd' }\n" });
    const { exprs } = SchemaParser.parseFile(tmp.path('p.json'));
    expect(exprs.map((e) => e.info.line)).toEqual([3, 5]);
  });

  it('property: any value written in schema syntax reads back the same', () => {
    const printable = fc.stringMatching(/^[ -&(-~]*$/, { maxLength: 12 }); // printable ASCII without the quote
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        printable,
        fc.boolean(),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.uniqueArray(fc.tuple(printable, tie('v')), { maxLength: 4, selector: (t) => t[0] }).map((es) => Object.fromEntries(es)),
      ),
    })).v;
    const write = (v: unknown): string => {
      if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\')}'`;
      if (typeof v === 'boolean') return String(v);
      if (Array.isArray(v)) return `[${v.map(write).join(', ')}]`;
      return `{${Object.entries(v as object)
        .map(([k, x]) => `${write(k)}: ${write(x)}`)
        .join(',\n ')}}`;
    };
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(printable, value), { minLength: 0, maxLength: 5, selector: (t) => t[0] }), (entries) => {
        const obj = Object.fromEntries(entries);
        expect(parse(write(obj) + '\n')).toEqual([obj]);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('syntax errors: FILE:LINE:COL and QEMU wording', () => {
  it.each([
    ["{ 'enum' 'Foo' }", "p.json:1:10: expected ':'"],
    ["{ 'enum': 'Foo' 'data': [] }", "p.json:1:17: expected ',' or '}'"],
    ["{ 'enum': 'Foo', }", 'p.json:1:18: expected string'],
    ["{ 'enum': 'Foo', 42: [] }", "p.json:1:18: stray '42'"],
    ['{ , }', "p.json:1:3: expected string or '}'"],
    ["{ 'a': }", "p.json:1:8: expected '{', '[', string, or boolean"],
    ["{ 'a': [ , ] }", "p.json:1:10: expected '{', '[', ']', string, or boolean"],
    ["{ 'a': [ 'x' 'y' ] }", "p.json:1:14: expected ',' or ']'"],
    ["{ 'a': [ 'x', ] }", "p.json:1:15: expected '{', '[', string, or boolean"],
    ["{ 'enum': 'Foo', 'enum': 'Bar' }", "p.json:1:26: duplicate key 'enum'"],
    ["{ 'enum': Foo }", "p.json:1:11: stray 'Foo'"],
    ["{ 'enum': 'Foo'; }", "p.json:1:16: stray ';'"],
    ["{ 'enum': 'F\\oo' }", 'p.json:1:11: unknown escape \\o'],
    ["{ 'enum': 'Fo\u00f6' }", 'p.json:1:11: funny character in string'],
    ["{ 'enum': 'Foo }", `p.json:1:11: missing terminating "'"`],
    ["{ 'enum': 'Foo',\n  'data': [ 'a'\n    'b' ] }", "p.json:3:5: expected ',' or ']'"],
  ])('%s', (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it('reports a duplicate key at the value, after the colon', () => {
    expect(parseError("{ 'k': 'x',\n  'k':\n     'y' }")).toBe("p.json:3:6: duplicate key 'k'");
  });

  it('at the end of input, points just past the last line', () => {
    expect(parseError("{ 'enum': 'Foo'")).toBe("p.json:1:16: expected ',' or '}'");
    expect(parseError("{ 'enum': 'Foo'\n\n")).toBe("p.json:2:1: expected ',' or '}'");
  });

  it("counts columns after a tab with QEMU's formula", () => {
    // QEMU: col = (col + 7) % 8 + 1 on a tab, so '{' then a tab leaves col at 2.
    expect(parseError("{\t'enum' 'Foo' }")).toBe("p.json:1:9: expected ':'");
  });

  it('reports a lexical error only when the parser reaches it (one token of look-ahead)', () => {
    // The bad escape comes after a syntax error: the syntax error is reported.
    expect(parseError("{ 'a' 'b': '\\x' }")).toBe("p.json:1:7: expected ':'");
    // The stray word is the look-ahead token when the string before it is consumed.
    expect(parseError("{ 'a': 'b' oops }")).toBe("p.json:1:12: stray 'oops'");
  });

  it.each([
    ["[ 'a' ]", 'p.json:1: top-level expression must be an object'],
    ["'enum'", 'p.json:1: top-level expression must be an object'],
    ['true', 'p.json:1: top-level expression must be an object'],
    ["{ 'a': 'b' }\n\n[]", 'p.json:3: top-level expression must be an object'],
  ])('top level must be an object: %s', (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it('a missing schema file is reported without a position', () => {
    expect(() => SchemaParser.parseFile(tmp.path('nope.json'))).toThrow(QapiError);
    try {
      SchemaParser.parseFile(tmp.path('nope.json'));
    } catch (err) {
      expect(tmp.relative((err as Error).message)).toBe("can't read schema file 'nope.json': No such file or directory");
    }
  });
});

describe('includes', () => {
  it('resolves include paths relative to the including file', () => {
    const out = dumpOf(
      {
        'main.json': "{ 'include': 'sub/a.json' }\n{ 'struct': 'Main', 'data': { 'a': 'Alpha' } }\n",
        'sub/a.json': "{ 'include': 'b.json' }\n{ 'struct': 'Alpha', 'data': { 'b': 'Beta' } }\n",
        'sub/b.json': "{ 'enum': 'Beta', 'data': [ 'x' ] }\n",
      },
      { main: 'main.json' },
    );
    const mods = lines(out).filter((l) => /^(module|include) /.test(l));
    expect(mods).toEqual([
      'module ./builtin',
      'module main.json',
      'include sub/a.json',
      'module sub/a.json',
      'include sub/b.json',
      'module sub/b.json',
    ]);
  });

  it('includes each file once, however it is spelled', () => {
    const schema = accept(
      {
        'main.json': "{ 'include': 'a.json' }\n{ 'include': 'b.json' }\n{ 'include': './common.json' }\n",
        'a.json': "{ 'include': 'common.json' }\n{ 'struct': 'Alpha', 'data': { 'c': 'Common' } }\n",
        'b.json': "{ 'include': 'dir/../common.json' }\n{ 'struct': 'Beta', 'data': { 'c': 'Common' } }\n",
        'common.json': "{ 'struct': 'Common', 'data': {} }\n",
        'dir/.keep': '',
      },
      { main: 'main.json' },
    );
    expect(schema.definitions.filter((d) => d.name === 'Common')).toHaveLength(1);
    expect(schema.modules.map((m) => m.name)).toEqual(['./builtin', 'main.json', 'a.json', 'common.json', 'b.json']);
  });

  it('reports an inclusion loop with the include chain', () => {
    expect(
      errorOf(
        {
          'main.json': "{ 'include': 'a.json' }\n",
          'a.json': "# a\n{ 'include': 'b.json' }\n",
          'b.json': "\n\n{ 'include': 'a.json' }\n",
        },
        { main: 'main.json' },
      ),
    ).toBe('In file included from main.json:1:\nIn file included from a.json:2:\nb.json:3: inclusion loop for a.json');
  });

  it('reports a file including itself', () => {
    expect(errorOf({ 'self.json': "{ 'include': 'self.json' }\n" })).toBe('self.json:1: inclusion loop for self.json');
  });

  it('reports a missing include file at the directive', () => {
    expect(errorOf({ 'main.json': "\n{ 'include': 'missing.json' }\n" })).toBe(
      "main.json:2: can't read include file 'missing.json': No such file or directory",
    );
  });

  it('prefixes errors inside an included file with the include chain', () => {
    expect(
      errorOf({ 'main.json': "{ 'include': 'sub.json' }\n", 'sub.json': "{ 'enum': 'E',\n  'data': [ 'a' 'b' ] }\n" }, { main: 'main.json' }),
    ).toBe("In file included from main.json:1:\nsub.json:2:17: expected ',' or ']'");
    expect(
      errorOf({ 'main.json': "\n{ 'include': 'sub.json' }\n", 'sub.json': "{ 'struct': 'Stru', 'data': { 'x': 'Nope' } }\n" }, { main: 'main.json' }),
    ).toBe("In file included from main.json:2:\nsub.json: In struct 'Stru':\nsub.json:1: member 'x' uses unknown type 'Nope'");
  });

  it.each([
    ["{ 'include': 'a.json', 'x': 'y' }", "schema.json:1: invalid 'include' directive"],
    ["{ 'include': [ 'a.json' ] }", "schema.json:1: value of 'include' must be a string"],
  ])('rejects a malformed directive: %s', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });
});

describe('pragmas', () => {
  it.each([
    ["{ 'pragma': { 'doc-required': 'yes' } }", "schema.json:1: pragma 'doc-required' must be boolean"],
    ["{ 'pragma': { 'command-name-exceptions': 'a' } }", 'schema.json:1: pragma command-name-exceptions must be a list of strings'],
    ["{ 'pragma': { 'command-returns-exceptions': [ true ] } }", 'schema.json:1: pragma command-returns-exceptions must be a list of strings'],
    ["{ 'pragma': { 'documentation-exceptions': {} } }", 'schema.json:1: pragma documentation-exceptions must be a list of strings'],
    ["{ 'pragma': { 'member-name-exceptions': [ [] ] } }", 'schema.json:1: pragma member-name-exceptions must be a list of strings'],
    ["{ 'pragma': { 'no-such-pragma': true } }", "schema.json:1: unknown pragma 'no-such-pragma'"],
    ["{ 'pragma': [ 'doc-required' ] }", "schema.json:1: value of 'pragma' must be an object"],
    ["{ 'pragma': {}, 'if': 'X' }", "schema.json:1: invalid 'pragma' directive"],
  ])('rejects %s', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('doc-required makes documentation mandatory', () => {
    const def = "{ 'command': 'do-it' }\n";
    accept(def);
    expect(errorOf("{ 'pragma': { 'doc-required': true } }\n" + def)).toBe(
      "schema.json: In command 'do-it':\nschema.json:2: documentation comment required",
    );
  });

  it('command-name-exceptions permits an underscore in the listed commands only', () => {
    const pragma = "{ 'pragma': { 'command-name-exceptions': [ 'do_it' ] } }\n";
    accept(pragma + "{ 'command': 'do_it' }\n");
    expect(errorOf(pragma + "{ 'command': 'do_that' }\n")).toBe(
      "schema.json: In command 'do_that':\nschema.json:2: name of command must not use uppercase or '_'",
    );
  });

  it('command-returns-exceptions permits returning a non-object', () => {
    const pragma = "{ 'pragma': { 'command-returns-exceptions': [ 'get-n' ] } }\n";
    accept(pragma + "{ 'command': 'get-n', 'returns': 'int' }\n");
    expect(errorOf(pragma + "{ 'command': 'get-m', 'returns': 'int' }\n")).toBe(
      "schema.json: In command 'get-m':\nschema.json:2: command's 'returns' cannot take built-in type 'int'",
    );
  });

  it('member-name-exceptions permits uppercase and underscores in the listed type', () => {
    const pragma = "{ 'pragma': { 'member-name-exceptions': [ 'Legacy' ] } }\n";
    accept(pragma + "{ 'struct': 'Legacy', 'data': { 'Old_Name': 'int' } }\n{ 'enum': 'Other', 'data': [ 'a' ] }\n");
    expect(errorOf(pragma + "{ 'struct': 'Modern', 'data': { 'Old_Name': 'int' } }\n")).toBe(
      "schema.json: In struct 'Modern':\nschema.json:2: name of 'data' member 'Old_Name' must not use uppercase or '_'",
    );
  });

  it('documentation-exceptions permits undocumented members of the listed definitions', () => {
    const doc = (name: string): string => `##\n# @${name}:\n##\n{ 'struct': '${name}', 'data': { 'x': 'int' } }\n`;
    accept("{ 'pragma': { 'documentation-exceptions': [ 'Doc' ] } }\n" + doc('Doc'));
    expect(errorOf("{ 'pragma': { 'documentation-exceptions': [ 'Other' ] } }\n" + doc('Doc'))).toBe(
      "schema.json: In struct 'Doc':\nschema.json:5: member 'x' lacks documentation",
    );
  });

  it('a pragma applies to the files its file includes', () => {
    accept(
      {
        'main.json': "{ 'pragma': { 'command-name-exceptions': [ 'do_it' ] } }\n{ 'include': 'sub.json' }\n",
        'sub.json': "{ 'command': 'do_it' }\n",
      },
      { main: 'main.json' },
    );
  });

  it('a later pragma replaces an earlier list', () => {
    const text =
      "{ 'pragma': { 'command-name-exceptions': [ 'do_it' ] } }\n{ 'pragma': { 'command-name-exceptions': [ 'other_one' ] } }\n{ 'command': 'do_it' }\n";
    expect(errorOf(text)).toBe("schema.json: In command 'do_it':\nschema.json:3: name of command must not use uppercase or '_'");
  });
});
