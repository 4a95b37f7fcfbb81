/**
 * A user-written visitor: encodes values to JSON like the output visitor,
 * but writes "***" for the string members that name secrets, at any depth.
 * It works with any generated visit function, here `visitBlockdevOptions`
 * (the `driver` union of `blockdev-add`, whose qcow2 `encrypt` is a union of
 * its own and whose `backing` is an alternate holding another node) and
 * `visitMigrateSetParameters`. Prints each value before and after.
 *
 *   npm run example:redact
 */

import {
  type BlockdevOptions,
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
  visitBlockdevOptions,
  visitMigrateSetParameters,
} from '../../generated/qmp/index.js';

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

// A blockdev-add command as a client sends it: a qcow2 node encrypted with
// LUKS, whose backing node is a LUKS node read over HTTPS with a password.
// Each secret is the id of a `secret` object; those ids are what is hidden.
const command = parseQmpJson(`{
  "execute": "blockdev-add",
  "arguments": {
    "driver": "qcow2", "node-name": "disk0",
    "file": { "driver": "file", "filename": "disk0.qcow2" },
    "encrypt": { "format": "luks", "key-secret": "disk0-passphrase-id" },
    "backing": {
      "driver": "luks", "node-name": "base0", "key-secret": "base0-passphrase-id",
      "file": { "driver": "https", "url": "https://images.example/base0.luks",
                "username": "images", "password-secret": "base0-password-id" } } } }`);
if (typeof command !== 'object' || command === null || Array.isArray(command))
  throw new Error('not a command');
// blockdev-add is 'boxed': its arguments are a BlockdevOptions.
const node: BlockdevOptions = decodeArguments('blockdev-add', command['arguments']);

say();
say('== BlockdevOptions (blockdev-add arguments)');
say(`before:   ${plainJson(visitBlockdevOptions, node)}`);
const a = redactedJson(visitBlockdevOptions, node);
say(`after:    ${a.text}`);
say(`redacted: ${a.redacted.join(', ')}`);
say(
  `source value untouched: encrypt.key-secret = ${JSON.stringify(node.driver === 'qcow2' && node.encrypt?.format === 'luks' ? node.encrypt['key-secret'] : null)}`,
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
