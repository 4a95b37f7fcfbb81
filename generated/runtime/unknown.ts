// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * What a newer QEMU may send that the bindings don't know, made visible to
 * the type checker.
 *
 * Replies and events are read leniently by default: a member the binding
 * doesn't know is ignored, and an enum value or union branch it doesn't
 * know is kept as sent, so a client keeps working against a newer QEMU.
 * So that the types don't lie about that, every enum type includes
 * {@link QapiUnknownValue}: an exhaustive `switch` over a `RunState` needs
 * a `default`, and {@link Known} strips it where a program has made sure;
 * and every union has an arm whose tag is {@link QapiUnknownTag}, with the
 * common members only.
 * Strict reading (`strict: true`, and command arguments always) rejects
 * such values instead, so a value that passed a strict check is known.
 *
 * Types only, but {@link isKnownValue}: this file is copied into generated
 * output.
 */

declare const unknownToBinding: unique symbol;

/**
 * An enum value, or a union's tag, that the bindings don't know (a newer
 * QEMU's): at run time, the string as it was sent. No string literal is
 * one, so only a lenient read makes it.
 */
export type QapiUnknownValue = string & { readonly [unknownToBinding]: true };

declare const unknownBranch: unique symbol;

/**
 * The tag of a union's branch that the bindings don't know (a newer
 * QEMU's): at run time, the tag's string as it was sent (`String(x.tag)`
 * gives it). Typed apart from every string, so that the tag stays a
 * discriminant: `if (x.type === 'dimm')` narrows `x` to that branch, and a
 * `default` sees the common members only.
 */
export type QapiUnknownTag = { readonly [unknownBranch]: true };

/** The values of an enum type the bindings know: `Known<RunState>` is `'running' | 'paused' | …`. */
export type Known<T> = Exclude<T, QapiUnknownValue>;

/**
 * Whether `value` is one of an enum's known values, given the enum's const
 * (`isKnownValue(RunState, status.status)`): narrows it to {@link Known}.
 */
export function isKnownValue<T extends string>(
  values: { readonly [key: string]: T },
  value: T | string,
): value is Known<T> {
  for (const k in values) if (values[k] === value) return true;
  return false;
}
