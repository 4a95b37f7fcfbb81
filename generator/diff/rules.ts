/**
 * How the diff classes a change: QAPI's compatibility rules, from
 * docs/devel/qapi-code-gen.rst, "Compatibility considerations" (and
 * "Special features" for `deprecated` and `unstable`). Each change names
 * the rule it was classed by, so a report can quote it.
 */

/**
 * - `breaking`: the rules name it an incompatible change: a client that
 *   worked may now fail.
 * - `review`: the rules do not settle it, or call it harmless only under a
 *   condition the schema can't show ("tread carefully"): a person decides.
 * - `compatible`: the rules name it compatible: clients oblivious of it keep
 *   working.
 * - `notice`: no change to what goes on the wire, but worth knowing
 *   (deprecations, features of the interface's status, type names).
 */
export type ChangeClass = 'breaking' | 'review' | 'compatible' | 'notice';

/** Most severe first: the order of a report's sections. */
export const CLASSES: readonly ChangeClass[] = ['breaking', 'review', 'compatible', 'notice'];

/** Severity: `--fail-on C` fails on C or anything more severe. */
export function severity(c: ChangeClass): number {
  return CLASSES.length - 1 - CLASSES.indexOf(c);
}

export function worst(classes: Iterable<ChangeClass>): ChangeClass | null {
  let w: ChangeClass | null = null;
  for (const c of classes) if (w === null || severity(c) > severity(w)) w = c;
  return w;
}

/**
 * Which way a type travels: `input` is what a client sends (command
 * arguments and the types used there, recursively), `output` what it
 * receives (command returns, event data, and their types).
 */
export type Direction = 'input' | 'output';

const SEND = 'qapi-code-gen.rst, Compatibility considerations (send direction)';
const RECEIVE = 'qapi-code-gen.rst, Compatibility considerations (receive direction)';
const TYPES = 'qapi-code-gen.rst, Compatibility considerations';
const SPECIAL = 'qapi-code-gen.rst, Special features';
const FEATURES = 'qapi-code-gen.rst, Features';
const CONFIG = 'qapi-code-gen.rst, Configuring the schema';

export interface Rule {
  /** Where the rule is written. */
  source: string;
  /** The rule, quoted or (marked so) as decided here. */
  text: string;
}

/** Every rule a change can be classed by. */
export const RULES = {
  'send-add-command': { source: SEND, text: '"Adding opt-in functionality to the send direction is backwards compatible: adding commands, …"' },
  'send-remove-command': { source: SEND, text: '"Incompatible changes include removing commands, …"' },
  'send-add-optional': { source: SEND, text: '"… backwards compatible: adding … optional arguments"' },
  'send-add-mandatory': { source: SEND, text: '"Incompatible changes include … adding mandatory command arguments"' },
  'send-remove-argument': { source: SEND, text: '"Incompatible changes include … removing … command arguments"' },
  'send-make-optional': { source: SEND, text: '"… backwards compatible: … making mandatory arguments optional"' },
  'send-make-mandatory': { source: SEND, text: '"Incompatible changes include … making optional arguments mandatory"' },
  'send-add-value': { source: SEND, text: '"… backwards compatible: adding … enumeration values, union and alternate branches"' },
  'send-remove-value': { source: SEND, text: '"Incompatible changes include … removing … enumeration values, union and alternate branches"' },
  'send-to-alternate': { source: SEND, text: '"… backwards compatible: … turning an argument type into an alternate of that type"' },
  'receive-add-event': { source: RECEIVE, text: '"Adding functionality to the receive direction is generally backwards compatible: adding events, …"' },
  'receive-remove-event': {
    source: RECEIVE,
    text: 'A client waiting for the event never gets it (decided here; the rules call removing events "that can\'t be triggered anymore" harmless "except for introspection")',
  },
  'receive-add-member': { source: RECEIVE, text: '"… generally backwards compatible: … adding return and event data members. Clients are expected to ignore the ones they don\'t know."' },
  'receive-remove-member': { source: RECEIVE, text: '"Incompatible changes include removing return and event data members."' },
  'receive-remove-optional': {
    source: RECEIVE,
    text: '"Removing … optional return or event data members that can\'t be sent anymore … makes no difference to clients, except for introspection. The latter can conceivably confuse clients, so tread carefully."',
  },
  'receive-make-optional': { source: RECEIVE, text: 'A member that may now be absent is, to a client that relies on it, a removed member: "Incompatible changes include removing return and event data members."' },
  'receive-make-mandatory': { source: RECEIVE, text: 'A client already copes with the member being present (decided here: the rules do not name it)' },
  'receive-add-value': {
    source: RECEIVE,
    text: 'Not named by the rules: the receive direction is "generally" compatible and clients "ignore" members they don\'t know, but a value a client does not know may break it (decided here)',
  },
  'receive-remove-value': {
    source: RECEIVE,
    text: '"Removing … return or event data member (enumeration) values that can\'t be sent anymore makes no difference to clients, except for introspection. … tread carefully."',
  },
  'type-changed': { source: TYPES, text: 'A member\'s type changed: the rules do not classify it (type names may change freely; the values may not)' },
  'type-renamed': {
    source: TYPES,
    text: '"Since type names are not visible in the Client JSON Protocol, types may be freely renamed." The new type takes the same values (members, branches, enum values)',
  },
  'kind-changed': { source: TYPES, text: 'The type changed kind (say, struct to alternate): the rules do not classify it' },
  'discriminator-changed': { source: TYPES, text: 'The union\'s discriminator changed: its values no longer select the same branches (decided here)' },
  'type-added': { source: TYPES, text: '"Since type names are not visible in the Client JSON Protocol, types may be freely renamed." A new type changes nothing by itself' },
  'type-removed': {
    source: TYPES,
    text: '"Since type names are not visible in the Client JSON Protocol, types may be freely renamed." Its users\' changes are reported on them',
  },
  'unused-type': { source: TYPES, text: 'No command or event uses the type in either schema: nothing a client sends or receives changes' },
  'deprecated-added': { source: SPECIAL, text: '"Interfaces so marked may be withdrawn in future releases in accordance with QEMU\'s deprecation policy."' },
  'deprecated-removed': { source: SPECIAL, text: 'No longer marked deprecated' },
  'unstable-added': { source: SPECIAL, text: '"Interfaces so marked may be withdrawn or changed incompatibly in future releases."' },
  'unstable-removed': { source: SPECIAL, text: 'No longer marked unstable' },
  'feature-added': { source: FEATURES, text: '"Intended use is to have each feature string signal that this build of QEMU shows a certain behaviour": a new one signals new behaviour' },
  'feature-removed': { source: FEATURES, text: 'A client that checks for the feature (introspection) no longer finds it (decided here)' },
  'if-added': { source: CONFIG, text: 'Now conditional: absent from builds without the condition (decided here)' },
  'if-changed': { source: CONFIG, text: 'Its condition changed: present in a different set of builds (decided here)' },
  'if-removed': { source: CONFIG, text: 'No longer conditional: present in every build' },
  'flag-added': { source: TYPES, text: 'A command flag (allow-oob, allow-preconfig) added: opt-in functionality' },
  'flag-removed': { source: TYPES, text: 'A command flag (allow-oob, allow-preconfig) removed: clients that use it fail (decided here)' },
  'returns-changed': { source: RECEIVE, text: 'The command\'s return type changed: the rules do not classify it (compare its members)' },
  'arguments-changed': { source: SEND, text: '"Any change to a command definition\'s \'data\' or one of the types used there (recursively) needs to consider send direction compatibility."' },
  'output-changed': {
    source: RECEIVE,
    text: '"Any change to a command definition\'s \'return\', an event definition\'s \'data\', or one of the types used there (recursively) needs to consider receive direction compatibility."',
  },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;
