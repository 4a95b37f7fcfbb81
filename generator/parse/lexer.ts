/**
 * Tokens of the QAPI schema language, lexed with chevrotain.
 *
 * QEMU reads one token ahead and reports a bad token only when the parser
 * reaches it, so a lexical problem (a stray word, a bad escape) is not an
 * error here: it becomes a token that carries its message, and the parser
 * raises that message when the token becomes current.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';
import type { IToken, TokenType } from 'chevrotain';

/**
 * chevrotain's package entry loads ~100 small ES modules, which costs about
 * 0.25 s at every CLI start; its single-file build, shipped in the same
 * package, loads in 0.02 s. Use the bundle when it is there.
 */
async function loadChevrotain(): Promise<typeof Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    return (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as typeof Chevrotain;
  } catch {
    return import('chevrotain');
  }
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
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true, group: Lexer.SKIPPED });
export const Space = createToken({ name: 'Space', pattern: new RegExp(`[${SPACE}]+`), group: Lexer.SKIPPED });
/** Anything else, up to the next structural, white space or quote character. */
export const Stray = createToken({ name: 'Stray', pattern: new RegExp(`[^\\[\\]{}:,'\\n${SPACE}]+`) });

const allTokens: TokenType[] = [Comment, LCurly, RCurly, LSquare, RSquare, Colon, Comma, Str, True, False, Newline, Space, Stray];

let lexer: Chevrotain.Lexer | null = null;

/** Splits schema text into tokens. Never fails: bad input becomes Str errors or Stray tokens. */
export function tokenize(text: string): IToken[] {
  lexer ??= new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false, skipValidations: true });
  const result = lexer.tokenize(text);
  return result.tokens;
}
