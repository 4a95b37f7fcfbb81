// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * Errors of the runtime visitors, with the path of the offending value.
 *
 * The path is built on the way out, so the success path pays nothing for it:
 * a leaf check throws without its own key, and every container that visits
 * a child (a struct member, a list element, a value inside an `any`) catches
 * the error, adds the child's key and rethrows. The path renders the way
 * QEMU's `full_name()` does: members joined with `.`, list indices as `[i]`,
 * e.g. `backend-transfer[0]` or `a.b[2].c`; the top level is `null`.
 *
 * The message is rendered on demand from a template, QEMU's wording with
 * `%s` where the path goes: `Parameter '%s' is missing`.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import type { Key } from './visitor.js';

/** What went wrong, for programs (the message is for people). */
export type QapiErrorCode =
  /** A required member is missing. */
  | 'missing'
  /** A member no type of the struct has (strict input only). */
  | 'unexpected'
  /** The JSON type is wrong. */
  | 'type'
  /** An integer is outside its type's range. */
  | 'range'
  /** A string is not a value of the enum. */
  | 'enum'
  /** The JSON type matches no branch of the alternate. */
  | 'alternate'
  /** The compat policy refuses a deprecated or unstable member, value or command. */
  | 'policy'
  /** An integer the type allows but the chosen TypeScript type can't hold exactly. */
  | 'inexact'
  /** A value inside `any` is not JSON (undefined, a function, NaN, a Date, …). */
  | 'json'
  /** A value inside `any` nests too deeply (or is cyclic). */
  | 'depth';

/** Renders a path the way QEMU's `full_name()` does; the empty path is `null`. */
export function formatPath(keys: readonly Key[]): string {
  let out = '';
  for (const k of keys) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (k !== null) out += out === '' ? k : `.${k}`;
  }
  return out === '' ? 'null' : out;
}

/**
 * Base of every error the runtime throws on purpose: value errors, policy
 * refusals, JSON errors, QMP command errors and QMP connection errors.
 * `catch (e) { if (e instanceof QapiError) … }` separates them from bugs.
 * Subclasses keep their own `name` and message.
 */
export class QapiError extends Error {}

/**
 * Gives an error class its own `name` (on the prototype, writable as
 * Error's is), so `String(e)` and stack traces say `QmpTimeoutError: …`
 * without every constructor setting it. The name is given, not read off
 * the class: a minifier may rename classes.
 */
export function nameErrorClass(cls: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(cls.prototype, 'name', {
    value: name,
    writable: true,
    configurable: true,
  });
}
nameErrorClass(QapiError, 'QapiError');

/**
 * Base of the errors that carry a path. Containers call {@link addKey} on
 * whatever a child throws; only these errors take the key.
 */
export class QapiPathError extends QapiError {
  /** What went wrong. */
  readonly code: QapiErrorCode;
  /** The message in QEMU's wording, `%s` standing for the path (if `usesPath`). */
  readonly template: string;
  /** Whether the message names the path (the policy messages for enum values and commands don't). */
  readonly usesPath: boolean;
  /**
   * The keys from the innermost outwards (containers push as the error
   * passes them). Use {@link keys} or {@link path} instead.
   * @internal
   */
  readonly reversedKeys: Key[] = [];

  constructor(code: QapiErrorCode, template: string, usesPath = true) {
    // No message argument: Error then creates no own `message`, and the
    // getter below renders it on demand, with the complete path.
    super();
    this.code = code;
    this.template = template;
    this.usesPath = usesPath;
  }

  /** The path as a list of keys, outermost first: member names and list indices. */
  get keys(): Key[] {
    return this.reversedKeys.slice().reverse();
  }

  /** The path as QEMU prints it: `a.b[2].c`; `null` for the top level. */
  get path(): string {
    let out = '';
    const r = this.reversedKeys;
    for (let i = r.length - 1; i >= 0; i--) {
      const k = r[i];
      if (typeof k === 'number') out += `[${k}]`;
      else if (k !== null && k !== undefined) out += out === '' ? k : `.${k}`;
    }
    return out === '' ? 'null' : out;
  }

  // Error's constructor got no message, so no own `message` shadows this accessor.
  override get message(): string {
    if (!this.usesPath) return this.template;
    const path = this.path;
    // Only the first `%s` is the path; text after it (a user's value) is never rescanned.
    const i = this.template.indexOf('%s');
    return i < 0 ? this.template : this.template.slice(0, i) + path + this.template.slice(i + 2);
  }
}

/** A value that does not fit its QAPI type, or a policy refusal: QEMU's `Error`. */
export class QapiValueError extends QapiPathError {}
nameErrorClass(QapiValueError, 'QapiValueError');

/**
 * A reply or event that does not fit its type, in words for a reply rather
 * than QEMU's input wording: where (`return[0].acpi`, `data.offset`), what
 * was expected and what was received. The code, path and keys are those of
 * the input error it rewords (its `cause`).
 */
export class QapiReplyError extends QapiValueError {
  constructor(cause: QapiPathError, message: string) {
    super(cause.code, message, false);
    this.reversedKeys.push(...cause.reversedKeys);
    Object.defineProperty(this, 'cause', { value: cause, writable: true, configurable: true });
  }
}
nameErrorClass(QapiReplyError, 'QapiReplyError');

/**
 * The compat policy `crash` was hit (QEMU aborts). Distinct from
 * {@link QapiValueError} so that code handling bad input does not swallow it.
 */
export class CompatPolicyCrash extends QapiPathError {}
nameErrorClass(CompatPolicyCrash, 'CompatPolicyCrash');

/**
 * Adds a container's key to an error thrown below it; returns the error, to
 * be rethrown: `catch (e) { throw addKey(e, name); }`. Other errors pass
 * through unchanged.
 */
export function addKey(e: unknown, key: Key): unknown {
  if (e instanceof QapiPathError) {
    e.reversedKeys.push(key);
    return e;
  }
  // A value nested so deep (or cyclic) that the walk ran out of stack: the
  // first container with room to spare turns that into a clean error with a
  // path. (No regex here: compiling one can itself run out of stack.)
  if (e instanceof RangeError && e.message.indexOf('call stack') !== -1) {
    const deep = tooDeepValue();
    deep.reversedKeys.push(key);
    return deep;
  }
  return e;
}

// ---------------------------------------------------------------------------
// The errors, in QEMU's words. Each is thrown without the failing value's own
// key: its container adds it.
// ---------------------------------------------------------------------------

/** The JSON types in QEMU's "expected: …" messages. */
export type ExpectedJsonType =
  'integer' | 'number' | 'string' | 'boolean' | 'null' | 'object' | 'array';

/** A required member is missing; `name` is the member (it is part of the path). */
export function missingMember(name: string): QapiValueError {
  const e = new QapiValueError('missing', "Parameter '%s' is missing");
  e.reversedKeys.push(name);
  return e;
}

/** A member the type doesn't have; `name` is the member (it is part of the path). */
export function unexpectedMember(name: string): QapiValueError {
  const e = new QapiValueError('unexpected', "Parameter '%s' is unexpected");
  e.reversedKeys.push(name);
  return e;
}

export function wrongType(expected: ExpectedJsonType): QapiValueError {
  return new QapiValueError('type', `Invalid parameter type for '%s', expected: ${expected}`);
}

/** `typeName`: int8_t … uint32_t, int64, uint64 or size. */
export function outOfRange(typeName: string): QapiValueError {
  return new QapiValueError('range', `Parameter '%s' expects ${typeName}`);
}

export function badEnumValue(value: string): QapiValueError {
  return new QapiValueError('enum', `Parameter '%s' does not accept value '${value}'`);
}

export function noAlternative(typeName: string): QapiValueError {
  return new QapiValueError('alternate', `Invalid parameter type for '%s', expected: ${typeName}`);
}

/** `digits`: the exact value. */
export function notExactNumber(digits: string): QapiValueError {
  return new QapiValueError(
    'inexact',
    `Parameter '%s' value ${digits} cannot be represented exactly as a number (generate with --int64 bigint)`,
  );
}

/** An integer given as an unsafe `number` (beyond 2^53): it may have been rounded already. */
export function unsafeNumber(digits: string): QapiValueError {
  return new QapiValueError(
    'inexact',
    `Parameter '%s' value ${digits} is beyond 2^53 as a number and may have been rounded (read JSON with parseQmpJson)`,
  );
}

export function notJson(what: string): QapiValueError {
  return new QapiValueError('json', `Parameter '%s' is not a JSON value (${what})`);
}

/** A typed value nested deeper than the walk can follow (or cyclic). */
export function tooDeepValue(): QapiValueError {
  return new QapiValueError('depth', `Parameter '%s' is nested too deeply (or is cyclic)`);
}

export function tooDeep(limit: number): QapiValueError {
  return new QapiValueError('depth', `Parameter '%s' nests deeper than ${limit} levels`);
}
