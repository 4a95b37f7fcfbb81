/**
 * Tokens of the QAPI schema language, lexed with chevrotain.
 *
 * QEMU reads one token ahead and reports a bad token only when the parser
 * reaches it, so a lexical problem (a stray word, a bad escape) is not an
 * error here: it becomes a token that carries its message, and the parser
 * raises that message when the token becomes current.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';
import type { IToken, TokenType } from 'chevrotain';

/**
 * chevrotain's package entry loads ~100 small ES modules, which costs about
 * 0.25 s at every CLI start; its single-file build, shipped in the same
 * package, loads in 0.02 s. Use the bundle when it is there.
 *
 * The package is found as Node finds it (the first node_modules/chevrotain
 * up from here), by hand: Node's resolver costs 5 ms on its first use.
 */
async function loadChevrotain(): Promise<typeof Chevrotain> {
  try {
    for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
      const pkg = join(dir, 'node_modules', 'chevrotain');
      if (existsSync(join(pkg, 'package.json'))) {
        const bundle = join(pkg, 'lib', 'chevrotain.mjs');
        if (!existsSync(bundle)) break;
        return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
      }
      if (dirname(dir) === dir) break;
    }
  } catch {
    // fall through to the package entry
  }
  return import('chevrotain');
}

const { createToken, Lexer } = await loadChevrotain();

/** Characters Python's str.isspace() accepts, less the newline. */
const SPACE = '\\t\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Payload of a string token: its value, or the message QEMU gives for it. */
export interface StringPayload {
  value: string;
  error: string | null;
}

/** Scans a quoted string the way QEMU does: only `\\` escapes, printable ASCII only. */
function matchString(text: string, offset: number): RegExpExecArray | null {
  if (text.charCodeAt(offset) !== 39) return null;
  // Fast path: plain printable ASCII up to the closing quote (no escape).
  let i = offset + 1;
  for (;;) {
    const code = text.charCodeAt(i);
    if (code === 39) {
      const result = [text.slice(offset, i + 1)] as unknown as RegExpExecArray & { payload: StringPayload };
      result.payload = { value: text.slice(offset + 1, i), error: null };
      return result;
    }
    // The end of the text (NaN), a newline, an escape or a funny character: the whole scan.
    if (!(code >= 32 && code < 127) || code === 92) break;
    i++;
  }
  return matchStringSlow(text, offset);
}

/** The whole scan, for a string with an escape or an error. */
function matchStringSlow(text: string, offset: number): RegExpExecArray | null {
  let value = '';
  let esc = false;
  let error: string | null = null;
  let i = offset + 1;
  for (;;) {
    const ch = text[i];
    if (ch === undefined || ch === '\n') {
      error ??= `missing terminating "'"`;
      break;
    }
    i++;
    if (error !== null) {
      // Keep scanning only to find where the token ends.
      if (esc) esc = false;
      else if (ch === '\\') esc = true;
      else if (ch === "'") break;
      continue;
    }
    if (esc) {
      if (ch !== '\\') {
        error = `unknown escape \\${ch}`;
        continue;
      }
      esc = false;
    } else if (ch === '\\') {
      esc = true;
      continue;
    } else if (ch === "'") {
      break;
    }
    const code = ch.charCodeAt(0);
    if (code < 32 || code >= 127) {
      error = 'funny character in string';
      continue;
    }
    value += ch;
  }
  const result = [text.slice(offset, i)] as unknown as RegExpExecArray & { payload: StringPayload };
  result.payload = { value, error };
  return result;
}

export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/ });
export const LCurly = createToken({ name: 'LCurly', pattern: '{' });
export const RCurly = createToken({ name: 'RCurly', pattern: '}' });
export const LSquare = createToken({ name: 'LSquare', pattern: '[' });
export const RSquare = createToken({ name: 'RSquare', pattern: ']' });
export const Colon = createToken({ name: 'Colon', pattern: ':' });
export const Comma = createToken({ name: 'Comma', pattern: ',' });
export const Str = createToken({
  name: 'Str',
  pattern: { exec: matchString },
  start_chars_hint: ["'"],
  line_breaks: false,
});
export const True = createToken({ name: 'True', pattern: /true/ });
export const False = createToken({ name: 'False', pattern: /false/ });
/** White space, newlines included: one skipped token for a line break and the next line's indentation. */
export const Space = createToken({ name: 'Space', pattern: new RegExp(`[\\n${SPACE}]+`), line_breaks: true, group: Lexer.SKIPPED });
/** Anything else, up to the next structural, white space or quote character. */
export const Stray = createToken({
  name: 'Stray',
  pattern: new RegExp(`[^\\[\\]{}:,'\\n${SPACE}]+`),
  // chevrotain cannot find the first characters of a negated class, and
  // without them it tries every pattern at every position: a superset will
  // do (at a character Stray cannot start with, its pattern just fails).
  start_chars_hint: strayStartChars(),
});

/**
 * Every character code a Stray token may start with, or more: chevrotain
 * keys its first-character table by code below 256 and by blocks of 255
 * codes above (block 255 + ⌊code / 255⌋), so one code per block stands
 * for the whole block.
 */
function strayStartChars(): number[] {
  const never = new Set("[]{}:,'\n".split('').map((c) => c.charCodeAt(0)));
  const codes: number[] = [];
  for (let c = 0; c < 256; c++) if (!never.has(c)) codes.push(c);
  // 256, 511, …: the first code of each block; 65535 is alone in the last.
  for (let c = 256; c < 65536; c += 255) codes.push(c);
  codes.push(65535);
  return codes;
}

const allTokens: TokenType[] = [Comment, LCurly, RCurly, LSquare, RSquare, Colon, Comma, Str, True, False, Space, Stray];

let lexer: Chevrotain.Lexer | null = null;

/** Splits schema text into tokens. Never fails: bad input becomes Str errors or Stray tokens. */
export function tokenize(text: string): IToken[] {
  // Lines end at '\n' only (the reader has normalized '\r\n' and '\r'), so
  // only Space tokens need chevrotain's line-break scan. Every token type
  // has known first characters, so chevrotain's first-character table is
  // complete (ensureOptimizations fails loudly if one does not).
  lexer ??= new Lexer(allTokens, {
    positionTracking: 'full',
    lineTerminatorCharacters: ['\n'],
    lineTerminatorsPattern: /\n/g,
    ensureOptimizations: true,
    skipValidations: true,
  });
  return lexer.tokenize(text).tokens;
}
