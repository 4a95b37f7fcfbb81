/** Doc comments: sections, indentation, checks against the definition, style rules, --lenient-docs. */
import { describe, expect, it } from 'vitest';
import { accept, dumpOf, errorOf, lines, load } from '../helpers/schema.js';

/** The dump's doc part (from the first `doc` line). */
function docDump(schema: string, opts: { lenientDocs?: boolean } = {}): string[] {
  const out = lines(dumpOf(schema, opts));
  return out.slice(out.findIndex((l) => l.startsWith('doc ')));
}

/** A prose line of exactly `n` characters including the leading '# '. */
function proseLine(n: number): string {
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore';
  const text = (words + ' ' + words).slice(0, n - 2).replace(/ $/, 'x');
  expect(text.length).toBe(n - 2);
  return '# ' + text;
}

describe('sections', () => {
  it('splits a definition doc into body, members, features and tagged sections', () => {
    const schema = [
      '##',
      '# @Foo:',
      '#',
      '# Body line one.',
      '# Body line two.',
      '#',
      '# @a: first line',
      '#     continued',
      '#',
      '#     second paragraph',
      '# @b:',
      '#     on the next line',
      '#',
      '# Features:',
      '#',
      '# @feat: a feature',
      '#',
      '# Since: 9.0',
      '#',
      '# TODO: later',
      '#',
      '# Trailing plain text.',
      '##',
      "{ 'struct': 'Foo', 'data': { 'a': 'int', 'b': 'str' }, 'features': [ 'feat' ] }",
    ].join('\n');
    expect(docDump(schema)).toEqual([
      'doc symbol=Foo',
      '    body=',
      'Body line one.',
      'Body line two.',
      '    arg=a',
      'first line',
      '    continued',
      '',
      '    second paragraph',
      '    arg=b',
      '    on the next line',
      '    feature=feat',
      'a feature',
      '    section=Since',
      '9.0',
      '    section=Todo',
      'later',
      '    section=Plain',
      'Trailing plain text.',
    ]);
  });

  it('reads Returns and Errors sections of a command', () => {
    const text = [
      "{ 'struct': 'Thing', 'data': {} }",
      '##',
      '# @get-it:',
      '#',
      '# Returns: the thing',
      '#',
      '# Errors:',
      '#     - If it is missing, GenericError',
      '##',
      "{ 'command': 'get-it', 'returns': 'Thing' }",
    ].join('\n');
    expect(docDump(text)).toEqual([
      'doc symbol=get-it',
      '    body=',
      '',
      '    section=Returns',
      'the thing',
      '    section=Errors',
      '    - If it is missing, GenericError',
    ]);
  });

  it('keeps free-form documentation, headings included, as one body', () => {
    expect(docDump('##\n# = Chapter\n#\n# Some *text*.\n##\n\n##\n# == Section\n##\n')).toEqual([
      'doc freeform',
      '    body=',
      '= Chapter',
      '',
      'Some *text*.',
      'doc freeform',
      '    body=',
      '== Section',
    ]);
  });

  it('a tagged section tag must start its line and end with a colon', () => {
    const out = docDump("##\n# @Foo:\n#\n# since 1.0\n#\n# Since 2.0\n##\n{ 'struct': 'Foo', 'data': {} }");
    expect(out).toEqual(['doc symbol=Foo', '    body=', 'since 1.0', '', 'Since 2.0']);
  });

  it('connects member descriptions to members: enum values, branches, inline arguments', () => {
    const schema = [
      '##',
      '# @En:',
      '# @one: first value',
      '# @two: second value',
      '##',
      "{ 'enum': 'En', 'data': [ 'one', 'two' ] }",
      '##',
      '# @Alt:',
      '# @i: a number',
      '# @b: a boolean',
      '##',
      "{ 'alternate': 'Alt', 'data': { 'i': 'int', 'b': 'bool' } }",
      '##',
      '# @run:',
      '# @arg: the argument',
      '##',
      "{ 'command': 'run', 'data': { 'arg': 'Alt' } }",
    ].join('\n');
    const schemaObj = accept(schema);
    const docs = schemaObj.docs;
    expect(docs.map((d) => d.symbol)).toEqual(['En', 'Alt', 'run']);
    expect([...docs[0]!.args.values()].map((s) => [s.name, s.member?.name, s.member?.role])).toEqual([
      ['one', 'one', 'value'],
      ['two', 'two', 'value'],
    ]);
    expect([...docs[1]!.args.values()].map((s) => s.member?.role)).toEqual(['branch', 'branch']);
    expect(docs[2]!.args.get('arg')!.member?.name).toBe('arg');
  });

  it('documents the members of an inline union base with the union', () => {
    accept(
      "{ 'enum': 'Kind', 'data': [ 'a' ] }\n##\n# @Uni:\n# @kind: the kind\n##\n{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': {} }",
    );
  });
});

describe('indentation', () => {
  it('a description may start on the next line; its indentation sets the block', () => {
    const out = docDump("##\n# @Foo:\n# @a:\n#   text\n#     deeper\n#   back\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' } }");
    expect(out).toEqual(['doc symbol=Foo', '    body=', '', '    arg=a', '  text', '    deeper', '  back']);
  });

  it('rejects a de-indent inside a description', () => {
    expect(errorOf("##\n# @Foo:\n# @a: text\n#     more\n#   less\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' } }")).toBe(
      'schema.json:5:1: unexpected de-indent (expected at least 4 spaces)',
    );
  });

  it('a de-indent after a blank line ends the description', () => {
    const out = docDump("##\n# @Foo:\n# @a: text\n#     more\n#\n# Plain again.\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' } }");
    expect(out).toEqual(['doc symbol=Foo', '    body=', '', '    arg=a', 'text', '    more', '    section=Plain', 'Plain again.']);
  });

  it('an unindented line right after a tagged section tag ends it', () => {
    const out = docDump("##\n# @Foo:\n# Since: 1.0\n# Not part of it.\n##\n{ 'struct': 'Foo', 'data': {} }");
    expect(out).toEqual(['doc symbol=Foo', '    body=', '', '    section=Since', '1.0', '    section=Plain', 'Not part of it.']);
  });
});

describe('doc comment errors', () => {
  const def = "{ 'struct': 'Foo', 'data': { 'a': 'int' } }";
  it.each([
    ['junk after the opening ##', `## junk\n# @Foo:\n##\n${def}`, "schema.json:1:1: junk after '##' at start of documentation comment"],
    ['junk after the closing ##', `##\n# @Foo:\n# @a: x\n## junk\n${def}`, "schema.json:4:1: junk after '##' at end of documentation comment"],
    ['no closing ##', `##\n# @Foo:\n${def}`, "schema.json:3:1: documentation comment must end with '##'"],
    ['missing space after #', `##\n# @Foo:\n#@a: x\n##\n${def}`, 'schema.json:3:1: missing space after #'],
    ['symbol line without colon', `##\n# @Foo\n##\n${def}`, "schema.json:2:1: line should end with ':'"],
    ['empty symbol', `##\n# @:\n##\n${def}`, "schema.json:2:1: name required after '@'"],
    ['member description in free-form doc', '##\n# Intro.\n#\n# @a: x\n##\n', "schema.json:4:1: '@a:' not allowed in free-form documentation"],
    ['Features: twice', `##\n# @Foo:\n# @a: x\n#\n# Features:\n# @f: x\n#\n# Features:\n# @g: y\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' }, 'features': [ 'f', 'g' ] }`, "schema.json:8:1: duplicated 'Features:' line"],
    ['Features: with no feature', `##\n# @Foo:\n# @a: x\n#\n# Features:\n#\n# Since: 1.0\n##\n${def}`, 'schema.json:7:1: feature descriptions expected'],
    ['member description after a section', `##\n# @Foo:\n#\n# Since: 1.0\n#\n# @a: x\n##\n${def}`, "schema.json:6:1: description of '@a:' follows a section"],
    ['empty member name', `##\n# @Foo:\n# @: x\n##\n${def}`, 'schema.json:3: invalid parameter name'],
    ['member described twice', `##\n# @Foo:\n# @a: x\n# @a: y\n##\n${def}`, "schema.json:4: 'a' parameter name duplicated"],
    ['Since twice', `##\n# @Foo:\n# @a: x\n#\n# Since: 1.0\n#\n# Since: 2.0\n##\n${def}`, "schema.json:7: duplicated 'Since' section"],
    ['empty tagged section', `##\n# @Foo:\n# @a: x\n#\n# Since:\n##\n${def}`, "schema.json:5: text required after 'Since:'"],
    ['documented member that does not exist', `##\n# @Foo:\n# @a: x\n# @zz: y\n##\n${def}`, "schema.json:4: documented member 'zz' does not exist"],
    ['several documented members that do not exist', `##\n# @Foo:\n# @a: x\n# @yy: y\n# @zz: z\n##\n${def}`, "schema.json:4: documented members 'yy', 'zz' do not exist"],
    ['documented feature that does not exist', `##\n# @Foo:\n# @a: x\n#\n# Features:\n# @f: y\n##\n${def}`, "schema.json:6: documented feature 'f' does not exist"],
    ['undocumented member', `##\n# @Foo:\n##\n${def}`, "schema.json: In struct 'Foo':\nschema.json:4: member 'a' lacks documentation"],
    ['undocumented feature', "##\n# @do-it:\n##\n{ 'command': 'do-it', 'features': [ 'f' ] }", "schema.json: In command 'do-it':\nschema.json:4: feature 'f' lacks documentation"],
    ['doc for another symbol', `##\n# @Bar:\n# @a: x\n##\n${def}`, "schema.json: In struct 'Foo':\nschema.json:5: documentation comment is for 'Bar'"],
    ['doc not followed by its definition', '##\n# @Foo:\n##\n', "schema.json:1: documentation for 'Foo' is not followed by the definition"],
    ['doc followed by another doc', `##\n# @Foo:\n##\n##\n# @Foo:\n# @a: x\n##\n${def}`, "schema.json:1: documentation for 'Foo' is not followed by the definition"],
    ['doc followed by an include', "##\n# @Foo:\n##\n{ 'include': 'x.json' }", "schema.json:1: documentation for 'Foo' is not followed by the definition"],
    ['free-form doc right before a definition', `##\n# Just text.\n##\n${def}`, 'schema.json:1: definition documentation required'],
    ['Returns on a type', `##\n# @Foo:\n# @a: x\n#\n# Returns: y\n##\n${def}`, "schema.json:5: 'Returns' section is only valid for commands"],
    ['Errors on an event', "##\n# @EV:\n#\n# Errors: y\n##\n{ 'event': 'EV' }", "schema.json:4: 'Errors' section is only valid for commands"],
    ['Returns on a command returning nothing', "##\n# @do-it:\n#\n# Returns: y\n##\n{ 'command': 'do-it' }", "schema.json:4: 'Returns' section, but command doesn't return anything"],
    ['old Note section', `##\n# @Foo:\n# @a: x\n#\n# Note: careful\n##\n${def}`, "schema.json:5:1: The 'Note' section is no longer supported. Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead."],
    ['old Example section', "##\n# @do-it:\n#\n# Example:\n#\n#     -> { \"execute\": \"do-it\" }\n##\n{ 'command': 'do-it' }", "schema.json:4:1: The 'Example' section is no longer supported. Please use the '.. qmp-example::' directive, or other suitable markup instead."],
  ])('%s', (_what, schema, message) => {
    expect(errorOf(schema)).toBe(message);
  });
});

describe('the 70-character rule', () => {
  const wrap = (line: string): string => `##\n# Intro.\n${line}\n##\n`;

  it('accepts a line of exactly 70 characters and rejects one of 71', () => {
    accept(wrap(proseLine(70)));
    expect(errorOf(wrap(proseLine(71)))).toBe('schema.json:3:1: documentation line longer than 70 characters');
  });

  it('counts the line without trailing white space', () => {
    accept(wrap(proseLine(70) + '      '));
  });

  it('applies to definition docs and member descriptions', () => {
    expect(errorOf(`##\n# @Foo:\n# @a: x\n${proseLine(71).replace('# ', '#     ')}\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' } }`)).toBe(
      'schema.json:4:1: documentation line longer than 70 characters',
    );
  });

  it('exempts a URL that cannot be wrapped', () => {
    accept(wrap(`#     https://example.org/${'a'.repeat(80)}`));
  });

  it('does not exempt a block after a line merely ending in :: (QEMU wants a bare ::)', () => {
    expect(errorOf(wrap(`# Example::\n#\n#   ${'x '.repeat(40)}\n#\n# Back to prose.`))).toBe(
      'schema.json:5:1: documentation line longer than 70 characters',
    );
  });

  it('exempts a bare :: block', () => {
    accept(wrap(`# ::\n#\n#   ${'y '.repeat(40)}`));
  });

  it('exempts qmp-example blocks, but not the prose after them', () => {
    const example = `# .. qmp-example::\n#\n#     -> { "execute": "do-it", "arguments": { "name": "${'z'.repeat(30)}", "n": 1 } }\n#`;
    accept(`##\n# @do-it:\n#\n${example}\n##\n{ 'command': 'do-it' }`);
    expect(errorOf(`##\n# @do-it:\n#\n${example}\n${proseLine(71)}\n##\n{ 'command': 'do-it' }`)).toBe(
      'schema.json:8:1: documentation line longer than 70 characters',
    );
  });
});

describe('the two-spaces rule', () => {
  const wrap = (line: string): string => `##\n# Intro.\n${line}\n##\n`;

  it('rejects one space between sentences, pointing at the space', () => {
    expect(errorOf(wrap('# Foo bar. Baz qux.'))).toBe(
      'schema.json:3:11: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.',
    );
  });

  it('accepts two spaces between sentences', () => {
    accept(wrap('# Foo bar.  Baz qux.  Done.'));
  });

  it.each([
    ['# Use a prefix, e.g. the vendor name.'],
    ['# That is, i.e. the other one.'],
    ['# 1. First item'],
    ['# Wait... and see.'],
  ])('does not take abbreviations, list numbers or ellipses for sentence ends: %s', (line) => {
    accept(wrap(line));
  });

  it('exempts a bare :: literal block, but not one after Example::', () => {
    accept(wrap('# ::\n#\n#   Mr. Smith. Done.'));
    expect(errorOf(wrap('# Example::\n#\n#   Mr. Smith. Done.'))).toBe(
      'schema.json:5:8: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.',
    );
  });

  it('exempts qmp-example blocks', () => {
    accept('##\n# @do-it:\n#\n# .. qmp-example::\n#\n#     -> { "execute": "do-it" }\n#     <- { "return": {} } ... Done. Yes.\n##\n{ \'command\': \'do-it\' }');
  });
});

describe('--lenient-docs', () => {
  it('turns a long line into a warning and keeps the text', () => {
    const long = proseLine(75);
    const r = load(`##\n# @Foo:\n#\n${long}\n##\n{ 'struct': 'Foo', 'data': {} }`, { lenientDocs: true });
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual(['schema.json:4: warning: documentation line longer than 70 characters']);
    expect(r.schema!.docs[0]!.body.text).toBe(long.slice(2));
  });

  it('warns about the two-spaces rule with the first line of the message only', () => {
    const r = load('##\n# Intro. More.\n##\n', { lenientDocs: true });
    expect(r.warnings).toEqual(['schema.json:2: warning: Use two spaces between sentences']);
    expect(r.schema!.docs[0]!.body.text).toBe('Intro. More.');
  });

  it('keeps an old Note section as plain text, tag included', () => {
    const schema = "##\n# @Foo:\n#\n# Note: be careful\n#     with this.\n##\n{ 'struct': 'Foo', 'data': {} }";
    const r = load(schema, { lenientDocs: true });
    expect(r.warnings).toEqual([
      "schema.json:4: warning: The 'Note' section is no longer supported. Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead.",
    ]);
    expect(docDump(schema, { lenientDocs: true })).toEqual(['doc symbol=Foo', '    body=', '', '    section=Plain', 'Note: be careful', '    with this.']);
  });

  it('keeps a heading that is not first, without a warning (QEMU 10.2 has no such rule)', () => {
    const r = load('##\n# Intro.\n#\n# = Heading\n##\n', { lenientDocs: true });
    expect(r.warnings).toEqual([]);
    expect(r.schema!.docs[0]!.body.text).toBe('Intro.\n\n= Heading');
  });

  it('warns about undocumented members and Returns without a return type', () => {
    const r = load("##\n# @do-it:\n#\n# Returns: nothing\n##\n{ 'command': 'do-it', 'data': { 'a': 'int' } }", { lenientDocs: true });
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([
      "schema.json:4: warning: 'Returns' section, but command doesn't return anything",
      "schema.json:6: warning: member 'a' lacks documentation",
    ]);
  });

  it('reports every violation, in order, and succeeds', () => {
    const r = load(`##\n# One. Two.\n${proseLine(72)}\n# Three. Four.\n##\n`, { lenientDocs: true });
    expect(r.error).toBeNull();
    expect(r.warnings.map((w) => w.replace(/: warning: .*/, ''))).toEqual(['schema.json:2', 'schema.json:3', 'schema.json:4']);
  });

  it('leaves every other rule an error', () => {
    expect(errorOf("##\n# @Foo:\n##\n{ 'struct': 'Foo', 'data': { 'Bad': 'int' } }", { lenientDocs: true })).toBe(
      "schema.json: In struct 'Foo':\nschema.json:4: name of 'data' member 'Bad' must not use uppercase or '_'",
    );
    expect(errorOf('##\n# Text\n#bad\n##\n', { lenientDocs: true })).toBe('schema.json:3:1: missing space after #');
    expect(errorOf('##\n# @Foo:\n##\n', { lenientDocs: true })).toBe("schema.json:1: documentation for 'Foo' is not followed by the definition");
  });

  it('without the flag, the first violation is an error and there are no warnings', () => {
    const r = load(`##\n# One. Two.\n${proseLine(72)}\n##\n`);
    expect(r.warnings).toEqual([]);
    expect(r.error).toBe('schema.json:2:7: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.');
  });
});
