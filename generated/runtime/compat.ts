// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * The compat policy, as QEMU's `-compat` option (qapi/compat.json,
 * qapi/qapi-util.c).
 *
 * Input policies apply when a client sends something with a special feature:
 * `accept` takes it, `reject` refuses it with QEMU's error ("Deprecated
 * parameter x disabled by policy"), `crash` throws {@link CompatPolicyCrash}
 * (QEMU aborts). Output policies apply to what is sent: `hide` leaves out
 * members (and events) with the feature. Deprecated is checked before
 * unstable, as in QEMU.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { CompatPolicyCrash, QapiError, QapiValueError, nameErrorClass } from './errors.js';
import type { Features } from './visitor.js';

export type CompatPolicyInput = 'accept' | 'reject' | 'crash';
export type CompatPolicyOutput = 'accept' | 'hide';

/** QEMU's CompatPolicy; every policy defaults to `accept`. */
export interface CompatPolicy {
  readonly deprecatedInput?: CompatPolicyInput;
  readonly unstableInput?: CompatPolicyInput;
  readonly deprecatedOutput?: CompatPolicyOutput;
  readonly unstableOutput?: CompatPolicyOutput;
}

/** The features the compat policy acts on: QEMU's special features, defined here once (the generator reads them too). */
export const SPECIAL_FEATURES: readonly string[] = Object.freeze(['deprecated', 'unstable']);

/** Accept everything (QEMU's default). */
export const DEFAULT_COMPAT_POLICY: CompatPolicy = Object.freeze({});

/** The error for {@link parseCompatPolicy}. */
export class CompatPolicySyntaxError extends QapiError {}
nameErrorClass(CompatPolicySyntaxError, 'CompatPolicySyntaxError');

const POLICY_KEYS = {
  'deprecated-input': 'deprecatedInput',
  'unstable-input': 'unstableInput',
  'deprecated-output': 'deprecatedOutput',
  'unstable-output': 'unstableOutput',
} as const;
type PolicyOption = keyof typeof POLICY_KEYS;

const INPUT_VALUES: readonly string[] = ['accept', 'reject', 'crash'];
const OUTPUT_VALUES: readonly string[] = ['accept', 'hide'];

/**
 * Parses the text of QEMU's `-compat` option, e.g.
 * `unstable-input=reject,deprecated-output=hide`. The empty text is the
 * default policy; a later setting of the same key wins.
 *
 * @throws {CompatPolicySyntaxError} on an unknown key or value, with a message saying what is allowed.
 */
export function parseCompatPolicy(text: string): CompatPolicy {
  const policy: { -readonly [K in keyof CompatPolicy]: CompatPolicy[K] } = {};
  if (text.trim() === '') return policy;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (!Object.prototype.hasOwnProperty.call(POLICY_KEYS, key)) {
      throw new CompatPolicySyntaxError(
        `Invalid compat policy '${text}': unknown key '${key}' (expected deprecated-input, deprecated-output, unstable-input or unstable-output)`,
      );
    }
    const isInput = key.endsWith('-input');
    const allowed = isInput ? INPUT_VALUES : OUTPUT_VALUES;
    if (value === undefined || !allowed.includes(value)) {
      throw new CompatPolicySyntaxError(
        `Invalid compat policy '${text}': ${key} ${value === undefined ? 'needs a value' : `does not accept '${value}'`} (expected ${allowed.join(', ')})`,
      );
    }
    const field = POLICY_KEYS[key as PolicyOption];
    if (field === 'deprecatedInput' || field === 'unstableInput')
      policy[field] = value as CompatPolicyInput;
    else policy[field] = value as CompatPolicyOutput;
  }
  return policy;
}

/** The `-compat` text of a policy, only its non-default settings (`''` for the default). */
export function formatCompatPolicy(policy: CompatPolicy): string {
  const parts: string[] = [];
  for (const [option, field] of Object.entries(POLICY_KEYS)) {
    const v = policy[field];
    if (v !== undefined && v !== 'accept') parts.push(`${option}=${v}`);
  }
  return parts.join(',');
}

/** Whether an input policy other than `accept` is set (else input checks can be skipped). */
export function checksInput(policy: CompatPolicy): boolean {
  return (
    (policy.deprecatedInput !== undefined && policy.deprecatedInput !== 'accept') ||
    (policy.unstableInput !== undefined && policy.unstableInput !== 'accept')
  );
}

/** Whether an output policy `hide` is set. */
export function hidesOutput(policy: CompatPolicy): boolean {
  return policy.deprecatedOutput === 'hide' || policy.unstableOutput === 'hide';
}

/** Why the input policy refuses something: which feature, and whether to crash. */
export interface PolicyRefusal {
  readonly adjective: 'Deprecated' | 'Unstable';
  readonly crash: boolean;
}

const REFUSALS = {
  deprecatedReject: Object.freeze<PolicyRefusal>({ adjective: 'Deprecated', crash: false }),
  deprecatedCrash: Object.freeze<PolicyRefusal>({ adjective: 'Deprecated', crash: true }),
  unstableReject: Object.freeze<PolicyRefusal>({ adjective: 'Unstable', crash: false }),
  unstableCrash: Object.freeze<PolicyRefusal>({ adjective: 'Unstable', crash: true }),
};

/** Whether the input policy refuses something with these features (undefined: accepted). */
export function inputRefusal(features: Features, policy: CompatPolicy): PolicyRefusal | undefined {
  if (features.deprecated === true) {
    const p = policy.deprecatedInput;
    if (p === 'reject') return REFUSALS.deprecatedReject;
    if (p === 'crash') return REFUSALS.deprecatedCrash;
  }
  if (features.unstable === true) {
    const p = policy.unstableInput;
    if (p === 'reject') return REFUSALS.unstableReject;
    if (p === 'crash') return REFUSALS.unstableCrash;
  }
  return undefined;
}

/** Whether the output policy hides something with these features (members, events). */
export function isHiddenByPolicy(features: Features, policy: CompatPolicy): boolean {
  return (
    (features.deprecated === true && policy.deprecatedOutput === 'hide') ||
    (features.unstable === true && policy.unstableOutput === 'hide')
  );
}

/**
 * The error for a refusal, QEMU's "%s %s %s disabled by policy". For a
 * `parameter` the name is the error's path (`%s`); for a `value` or `command`
 * it is the given name.
 */
export function policyError(
  refusal: PolicyRefusal,
  kind: 'parameter' | 'value' | 'command' | 'event',
  name?: string,
): QapiValueError | CompatPolicyCrash {
  const usesPath = name === undefined;
  const template = `${refusal.adjective} ${kind} ${usesPath ? '%s' : name} disabled by policy`;
  return refusal.crash
    ? new CompatPolicyCrash('policy', template, usesPath)
    : new QapiValueError('policy', template, usesPath);
}

/**
 * The input policy for a command (QEMU's qmp_dispatch): returns the error
 * message if the command is refused ("Deprecated command NAME disabled by
 * policy"; QEMU reports it with class CommandNotFound, the caller's business),
 * undefined if it is accepted.
 *
 * @throws {CompatPolicyCrash} when the policy is `crash`.
 */
export function checkCommandPolicy(
  name: string,
  features: Features,
  policy: CompatPolicy,
): string | undefined {
  const r = inputRefusal(features, policy);
  if (r === undefined) return undefined;
  const e = policyError(r, 'command', name);
  if (r.crash) throw e;
  return e.message;
}

/** Whether an event with these features is sent at all (QEMU drops events hidden by the output policy). */
export function isEventVisible(features: Features, policy: CompatPolicy): boolean {
  return !isHiddenByPolicy(features, policy);
}
