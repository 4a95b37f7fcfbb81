/** The lexer: token kinds, strings and their escapes, comments, stray input. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IToken } from 'chevrotain';
import { tokenize, type StringPayload } from '../../generator/parse/lexer.js';

const kinds = (text: string): string[] => tokenize(text).map((t) => t.tokenType.name);
const images = (text: string): string[] => tokenize(text).map((t) => t.image);
const str = (tok: IToken): StringPayload => tok.payload as StringPayload;

describe('token kinds', () => {
  it('structural characters each make one token', () => {
    expect(kinds('{}[]:,')).toEqual(['LCurly', 'RCurly', 'LSquare', 'RSquare', 'Colon', 'Comma']);
  });

  it('skips white space and newlines, including the Unicode white space Python skips', () => {
    expect(kinds(" {\t}\n[\f]\v:\r,\u00a0'a'\u2003\n")).toEqual(['LCurly', 'RCurly', 'LSquare', 'RSquare', 'Colon', 'Comma', 'Str']);
  });

  it('recognizes true and false', () => {
    expect(kinds('true false')).toEqual(['True', 'False']);
  });

  it("reads 'true' as soon as it starts a token, like QEMU's startswith()", () => {
    // QEMU takes the 'true' and then meets the rest as a stray word.
    const toks = tokenize('truely');
    expect(toks.map((t) => t.tokenType.name)).toEqual(['True', 'Stray']);
    expect(toks[1]!.image).toBe('ly');
  });

  it('a word that does not start with true/false is one stray token', () => {
    expect(kinds('xtrue')).toEqual(['Stray']);
    expect(kinds('True')).toEqual(['Stray']);
    expect(kinds('null')).toEqual(['Stray']);
  });

  it('tracks lines and columns', () => {
    const toks = tokenize("{\n  'a': true }");
    const a = toks.find((t) => t.image === "'a'")!;
    expect(a.startLine).toBe(2);
    expect(a.startColumn).toBe(3);
  });
});

describe('strings', () => {
  it('yields the unquoted value', () => {
    const [tok] = tokenize("'hello world'");
    expect(tok!.tokenType.name).toBe('Str');
    expect(str(tok!)).toEqual({ value: 'hello world', error: null });
  });

  it('accepts the empty string', () => {
    expect(str(tokenize("''")[0]!)).toEqual({ value: '', error: null });
  });

  it('double quotes are not string delimiters', () => {
    expect(kinds('"a"')).toEqual(['Stray']);
    expect(str(tokenize(`'say "hi"'`)[0]!).value).toBe('say "hi"');
  });

  it('\\\\ is the only escape and stands for one backslash', () => {
    const [tok] = tokenize("'a\\\\b'");
    expect(str(tok!)).toEqual({ value: 'a\\b', error: null });
  });

  it.each([
    ["'a\\nb'", 'unknown escape \\n'],
    ["'a\\'b'", "unknown escape \\'"],
    ["'\\u0041'", 'unknown escape \\u'],
    ["'a\\\"'", 'unknown escape \\"'],
  ])('rejects other escapes: %s', (text, error) => {
    expect(str(tokenize(text)[0]!).error).toBe(error);
  });

  it.each([
    ["'caf\u00e9'", 'non-ASCII'],
    ["'a\tb'", 'tab'],
    ["'a\u007fb'", 'DEL (code point 127)'],
    ["'a\u0001b'", 'control character'],
  ])('rejects %s (%s) as a funny character', (text) => {
    expect(str(tokenize(text)[0]!).error).toBe('funny character in string');
  });

  it('accepts every printable ASCII character but the quote and backslash unescaped', () => {
    let printable = '';
    for (let c = 32; c < 127; c++) if (c !== 39 && c !== 92) printable += String.fromCharCode(c);
    expect(str(tokenize(`'${printable}'`)[0]!)).toEqual({ value: printable, error: null });
  });

  it('a string ends at the end of its line', () => {
    const toks = tokenize("'abc\n'def'");
    expect(str(toks[0]!).error).toBe(`missing terminating "'"`);
    expect(toks[0]!.image).toBe("'abc");
  });

  it('an unterminated string at the end of input is reported', () => {
    expect(str(tokenize("'abc")[0]!).error).toBe(`missing terminating "'"`);
  });

  it('the first problem in a string wins', () => {
    expect(str(tokenize("'\\x\u00e9'")[0]!).error).toBe('unknown escape \\x');
    expect(str(tokenize("'\u00e9\\x'")[0]!).error).toBe('funny character in string');
  });
});

describe('comments', () => {
  it('a comment runs to the end of the line', () => {
    const toks = tokenize("# a comment with 'quotes' and {braces}\n{}");
    expect(toks.map((t) => t.tokenType.name)).toEqual(['Comment', 'LCurly', 'RCurly']);
    expect(toks[0]!.image).toBe("# a comment with 'quotes' and {braces}");
  });

  it("'##' doc comment lines are comments too; the parser tells them apart by their text", () => {
    expect(images('##\n# @foo:\n##\n')).toEqual(['##', '# @foo:', '##']);
    expect(kinds('##\n# @foo:\n##\n')).toEqual(['Comment', 'Comment', 'Comment']);
  });

  it('a # inside a string is not a comment', () => {
    const toks = tokenize("'a#b' # c");
    expect(toks.map((t) => t.tokenType.name)).toEqual(['Str', 'Comment']);
    expect(str(toks[0]!).value).toBe('a#b');
  });

  it('a comment may follow code on the same line', () => {
    expect(kinds("{ 'a': true } # trailing")).toEqual(['LCurly', 'Str', 'Colon', 'True', 'RCurly', 'Comment']);
  });
});

describe('stray input', () => {
  it.each([
    ['123', '123'],
    ['foo', 'foo'],
    [';', ';'],
    ['-1.5e3', '-1.5e3'],
    ['"x"', '"x"'],
  ])('%s is one stray token', (text, image) => {
    const toks = tokenize(text);
    expect(toks).toHaveLength(1);
    expect(toks[0]!.tokenType.name).toBe('Stray');
    expect(toks[0]!.image).toBe(image);
  });

  it('a stray word stops at structural characters, white space and quotes', () => {
    expect(images("ab:cd,ef}gh]ij kl'm'")).toEqual(['ab', ':', 'cd', ',', 'ef', '}', 'gh', ']', 'ij', 'kl', "'m'"]);
  });
});

describe('property: tokenizing never fails and tokens tile the input', () => {
  it('every non-space character belongs to exactly one token, in order', () => {
    const alphabet = fc.constantFrom(...'{}[]:,\'\\#tf ruealsx\n\t\u00e9;1'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')), (text) => {
        const toks = tokenize(text);
        let pos = 0;
        for (const t of toks) {
          // Only skipped white space may lie between tokens.
          expect(text.slice(pos, t.startOffset)).toMatch(/^[ \t\n]*$/);
          expect(text.slice(t.startOffset, t.endOffset! + 1)).toBe(t.image);
          expect(t.image.length).toBeGreaterThan(0);
          pos = t.endOffset! + 1;
        }
        expect(text.slice(pos)).toMatch(/^[ \t\n]*$/);
      }),
      { numRuns: 500, seed: 42 },
    );
  });
});
