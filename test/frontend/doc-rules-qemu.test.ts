/**
 * Minimal reproducers of the doc-comment rule differences once measured
 * against QEMU 10.2.2 (issue 13), one named case each. Every expected
 * message (or acceptance) was obtained by running QEMU 10.2.2's own front
 * end (../shared/qemu-generator/scripts) on the same text, once; the rules
 * themselves are implemented in generator/parse/parser.ts.
 */
import { describe, expect, it } from 'vitest';
import { accept, errorOf } from '../helpers/schema.js';

/** A free-form doc comment whose third line is `line`. */
const wrap = (line: string): string => `##\n# Intro.\n${line}\n##\n`;
/** A struct Foo with member a, documented by `body` after its first lines. */
const def = (body: string): string => `##\n# @Foo:\n#\n${body}\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' } }\n`;
const SENTENCES = (pos: string): string => `schema.json:${pos}: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.`;
const LONG = (pos: string): string => `schema.json:${pos}: documentation line longer than 70 characters`;

describe("two spaces between sentences (QEMU's regex, quirks included)", () => {
  it("accepts a lowercase word after one space: 'it. and'", () => {
    accept(wrap('# See it. and more'));
  });
  it("rejects 'i.e. Foo'", () => {
    expect(errorOf(wrap('# Use i.e. Foo'))).toBe(SENTENCES('3:11'));
  });
  it("rejects 'a. Foo'", () => {
    expect(errorOf(wrap('# Item a. Foo'))).toBe(SENTENCES('3:10'));
  });
  it("rejects 'Step 3. Go' (an enumerator only at the start of the line)", () => {
    expect(errorOf(wrap('# Step 3. Go'))).toBe(SENTENCES('3:10'));
  });
  it("rejects 'Wait... Then'", () => {
    expect(errorOf(wrap('# Wait... Then'))).toBe(SENTENCES('3:10'));
  });
  it("rejects 'Really? Yes'", () => {
    expect(errorOf(wrap('# Really? Yes'))).toBe(SENTENCES('3:10'));
  });
  it("rejects '! (' too", () => {
    expect(errorOf(wrap('# Stop! (Now)'))).toBe(SENTENCES('3:8'));
  });
  it('accepts a one-digit enumerator opening the line', () => {
    accept(wrap('# 3. Go'));
  });
  it('rejects a two-digit enumerator', () => {
    expect(errorOf(wrap('# 10. Go'))).toBe(SENTENCES('3:6'));
  });
  it("accepts 'e.g. Foo' after a word boundary", () => {
    accept(wrap('# Like e.g. Foo'));
  });
  it("rejects 'e.g. Foo' glued to a word", () => {
    expect(errorOf(wrap('# Likee.g. Foo'))).toBe(SENTENCES('3:11'));
  });
  it('knows Unicode word characters for the boundary', () => {
    expect(errorOf(wrap('# Lik\u00e9.g. Foo'))).toBe(SENTENCES('3:10'));
  });
  it('accepts a Unicode digit as enumerator', () => {
    accept(wrap('# \u0663. Foo'));
  });
  it('counts the column in code points', () => {
    expect(errorOf(wrap('# \u{1F600}\u{1F600} x. Foo'))).toBe(SENTENCES('3:8'));
  });
  it("counts the column from the start of the source line, not the '#'", () => {
    expect(errorOf('##\n# Intro.\n   # Foo. Bar\n##\n')).toBe(SENTENCES('3:7'));
  });
  it("expands a tab before the '#' QEMU's way", () => {
    expect(errorOf('##\n# Intro.\n\t# Foo. Bar\n##\n')).toBe(SENTENCES('3:6'));
  });
});

describe('the 70-column rule (code points; only a lone URL is exempt)', () => {
  it('accepts 70 columns of emoji', () => {
    accept(wrap('# ' + '\u{1F600}'.repeat(68)));
  });
  it('rejects 71 columns of emoji', () => {
    expect(errorOf(wrap('# ' + '\u{1F600}'.repeat(69)))).toBe(LONG('3:1'));
  });
  it('rejects a long line without spaces that is no URL', () => {
    expect(errorOf(wrap('# ' + 'x'.repeat(80)))).toBe(LONG('3:1'));
  });
  it('accepts a long URL line, indented', () => {
    accept(wrap('#   https://example.com/' + 'a'.repeat(80)));
  });
  it('rejects a long URL followed by a word', () => {
    expect(errorOf(wrap('# https://example.com/' + 'a'.repeat(80) + ' x'))).toBe(LONG('3:1'));
  });
  it('rejects a long file:// URL', () => {
    expect(errorOf(wrap('# file://example.com/' + 'a'.repeat(80)))).toBe(LONG('3:1'));
  });
  it("points at the '#' of an indented comment", () => {
    expect(errorOf('##\n# Intro.\n   # ' + 'word '.repeat(16) + '\n##\n')).toBe(LONG('3:4'));
  });
});

describe("literal blocks: only a bare '::' line and '.. qmp-example::'", () => {
  it("does not exempt the block after 'Example::'", () => {
    expect(errorOf(wrap('# Example::\n#\n#   ' + 'x '.repeat(40)))).toBe(LONG('5:1'));
  });
  it("does not exempt '.. code-block:: json'", () => {
    expect(errorOf(wrap('# .. code-block:: json\n#\n#   ' + 'x '.repeat(40)))).toBe(LONG('5:1'));
  });
  it("exempts '.. qmp-example::'", () => {
    accept(wrap('# .. qmp-example::\n#\n#   ' + 'x '.repeat(40)));
  });
  it("exempts '..   qmp-example   ::' (spaces allowed)", () => {
    accept(wrap('# ..   qmp-example   ::\n#\n#   ' + 'x '.repeat(40)));
  });
  it("keeps a '::' block open over unindented lines until an indent is seen", () => {
    accept(wrap('# ::\n#\n# Mr. Smith. Done.'));
  });
  it('ends the block at the first line indented less than its first line', () => {
    expect(errorOf(wrap('# ::\n#\n#    code. Here\n#    more. Code\n#  Mr. Smith. Done.'))).toBe(SENTENCES('7:7'));
  });
  it('checks the line that ends the block', () => {
    expect(errorOf(wrap('# ::\n#\n#    code. Here\n# Mr. Smith. Done.'))).toBe(SENTENCES('6:6'));
  });
});

describe('de-indentation (QEMU 10.2 only rejects the second line of a block)', () => {
  it('rejects a de-indent right after the first continuation line', () => {
    expect(errorOf(def('# @a: first line\n#     continued\n#   third less'))).toBe('schema.json:6:1: unexpected de-indent (expected at least 4 spaces)');
  });
  it('accepts a de-indent after two continuation lines', () => {
    accept(def('# @a: first line\n#     continued\n#     more\n#   third less'));
  });
  it('accepts a de-indent after a blank line', () => {
    accept(def('# @a: first line\n#     continued\n#\n#   third less'));
  });
});

describe('other front-end differences', () => {
  it('rejects a byte-order mark as a stray character', () => {
    expect(errorOf('\ufeff{ \'enum\': \'E\', \'data\': [] }\n')).toBe("schema.json:1:1: stray '\ufeff'");
  });
  it('reports the BOM with what follows it', () => {
    expect(errorOf('\ufeff##\n# Intro.\n##\n')).toBe("schema.json:1:1: stray '\ufeff##'");
  });
  it('names no definition when its name is empty', () => {
    expect(errorOf("{ 'struct': '', 'data': {} }\n")).toBe('schema.json:1: struct has an invalid name');
  });
  it('fails cleanly where QEMU crashes (IndexError: only member sections, an excepted undocumented member)', () => {
    expect(errorOf("{ 'pragma': { 'documentation-exceptions': [ 'Foo' ] } }\n##\n# @Foo:\n#\n# @a: x\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int', 'b': 'int' } }\n")).toBe("schema.json: In struct 'Foo':\nschema.json:7: member 'b' lacks documentation");
  });
  it("takes an empty type name ('') for no type, as QEMU's truth tests do", () => {
    accept("{ 'command': 'do-it', 'data': '', 'returns': '' }\n{ 'event': 'EV', 'data': '' }\n{ 'struct': 'Foo', 'base': '', 'data': {} }\n");
  });
});
