/**
 * A user-written visitor: encodes values to JSON like the output visitor,
 * but writes "***" for the string members that name secrets, at any depth.
 * It works with any generated visit function, here `visitBlockNodeOptions`
 * (a union whose `backing` is an alternate holding another node) and
 * `visitMigrateSetParameters`. Prints each value before and after.
 *
 *   npm run example:redact
 */

import {
  type BlockNodeOptions,
  type JsonValue,
  type Key,
  type MigrateSetParameters,
  type VisitFn,
  ForwardingVisitor,
  OutputVisitor,
  QapiValueError,
  decodeArguments,
  parseQmpJson,
  stringifyQmpJson,
  visitBlockNodeOptions,
  visitMigrateSetParameters,
} from '../../generated/index.js';

/** Member names whose string values are not to be logged. */
const SECRET_MEMBER = /(^|-)(password|passphrase|secret|tls-creds)$/;

export const REDACTED = '***';

/**
 * Forwards everything to an inner visitor, except string members with a
 * secret-ish name. The inner visitor still checks the value first, so a
 * wrong type is reported as usual; only the result is replaced.
 */
export class RedactingVisitor extends ForwardingVisitor {
  /** The names of the members this visitor redacted, in visiting order. */
  readonly redacted: string[] = [];

  override str(key: Key, value: unknown): unknown {
    const r = super.str(key, value);
    if (typeof key === 'string' && SECRET_MEMBER.test(key)) {
      this.redacted.push(key);
      return REDACTED;
    }
    return r;
  }
}

/** A value of the type `visit` walks, as JSON text for a log, secrets redacted. */
function redactedJson(visit: VisitFn, value: unknown): { text: string; redacted: string[] } {
  const v = new RedactingVisitor(new OutputVisitor());
  const json = visit(v, null, value) as JsonValue;
  return { text: stringifyQmpJson(json), redacted: v.redacted };
}

/** The same walk with the plain output visitor: members in the type's order, as the redacted text has them. */
function plainJson(visit: VisitFn, value: unknown): string {
  return stringifyQmpJson(visit(new OutputVisitor(), null, value) as JsonValue);
}

const out: string[] = [];
const say = (line = ''): void => void out.push(line);

say('redact: a ForwardingVisitor over the OutputVisitor that hides secret strings');

// A blockdev-attach command as a client sends it: a qcow2 node encrypted with
// LUKS whose backing node is a LUKS node, each with its own secret.
const command = parseQmpJson(`{
  "execute": "blockdev-attach",
  "arguments": {
    "node-name": "disk0", "format": "qcow2", "file": "disk0-file",
    "encrypt-format": "luks", "key-secret": "disk0-passphrase-id", "slot": 1,
    "backing": { "node-name": "base0", "format": "luks", "file": "base0-file",
                 "key-secret": "base0-passphrase-id" } } }`);
if (typeof command !== 'object' || command === null || Array.isArray(command))
  throw new Error('not a command');
const node: BlockNodeOptions = decodeArguments('blockdev-attach', command['arguments']);

say();
say('== BlockNodeOptions (blockdev-attach arguments)');
say(`before:   ${plainJson(visitBlockNodeOptions, node)}`);
const a = redactedJson(visitBlockNodeOptions, node);
say(`after:    ${a.text}`);
say(`redacted: ${a.redacted.join(', ')}`);
say(
  `source value untouched: key-secret = ${JSON.stringify(node.format === 'qcow2' && node['encrypt-format'] === 'luks' ? node['key-secret'] : null)}`,
);

const params: MigrateSetParameters = {
  'max-bandwidth': 1048576,
  'tls-creds': 'tls0-creds-id',
  'backend-transfer': ['virtio-net-tap'],
};
say();
say('== MigrateSetParameters');
say(`before:   ${plainJson(visitMigrateSetParameters, params)}`);
const b = redactedJson(visitMigrateSetParameters, params);
say(`after:    ${b.text}`);
say(`redacted: ${b.redacted.join(', ')}`);

say();
say('== the inner visitor still checks what it redacts');
try {
  redactedJson(visitMigrateSetParameters, { 'tls-creds': 42 });
  say('no error');
} catch (e) {
  if (!(e instanceof QapiValueError)) throw e;
  say(`error:    ${e.message}`);
}

process.stdout.write(out.join('\n') + '\n');
