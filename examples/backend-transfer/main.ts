/**
 * The backend-transfer seed in TypeScript: QEMU's migration code for the
 * `backend-transfer` parameter (options.ts) driven by QMP commands checked
 * with the generated bindings. Prints a deterministic transcript.
 *
 *   npm run example:backend-transfer
 */

import {
  type CompatPolicy,
  type MigrateSetParameters,
  type MigrationParameters,
  CompatPolicyCrash,
  QapiValueError,
  QmpError,
  decodeArguments,
  encodeText,
  parseCompatPolicy,
  parseQmpJson,
  stringifyQmpJson,
} from '../../generated/qmp/index.js';
import {
  migrateGetCurrent,
  migrateParamsApply,
  migrateVirtioNetTap,
  migrateVirtioNetTapIncludes,
  qmpQueryMigrateParameters,
} from './options.js';

const out: string[] = [];
function say(line = ''): void {
  out.push(line);
}

function section(title: string): void {
  say();
  say(`== ${title}`);
}

/** The parameters as QEMU would write them in a reply (output visitor, exact QMP writer). */
function show(params: MigrationParameters): string {
  return encodeText('MigrationParameters', params);
}

function showState(): void {
  const s = migrateGetCurrent().parameters;
  say(`   state: ${show(s)}`);
  say(
    `   migrateVirtioNetTap() = ${migrateVirtioNetTap()}, with includes: ${migrateVirtioNetTapIncludes()}`,
  );
}

/**
 * qmp_migrate_set_parameters(): one QMP command, as text. Its arguments go
 * through the strict input visitor under the compat policy; only if they are
 * accepted are they applied.
 */
function qmpCommand(text: string, compat: CompatPolicy): string {
  const msg = parseQmpJson(text);
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    throw new Error('not a QMP command');
  if (msg['execute'] !== 'migrate-set-parameters')
    throw new Error('this example only runs migrate-set-parameters');
  let params: MigrateSetParameters;
  try {
    params = decodeArguments('migrate-set-parameters', msg['arguments'], { compat });
  } catch (e) {
    if (e instanceof CompatPolicyCrash) throw e; // -compat …=crash: QEMU aborts
    if (e instanceof QapiValueError) {
      say(`   refused: ${e.message}   (code ${e.code}, path ${e.path})`);
      return stringifyQmpJson({ error: { class: 'GenericError', desc: e.message } });
    }
    if (e instanceof QmpError) {
      return stringifyQmpJson({ error: { class: e.errorClass, desc: e.message } });
    }
    throw e;
  }
  say(`   accepted, decoded arguments: ${JSON.stringify(params)}`);
  migrateParamsApply(params);
  return stringifyQmpJson({ return: {} });
}

function exchange(text: string, compatText: string): void {
  const compat = parseCompatPolicy(compatText);
  say(`-> ${text}   [-compat ${compatText}]`);
  const reply = qmpCommand(text, compat);
  say(`<- ${reply}`);
}

// ---------------------------------------------------------------------------

say('backend-transfer seed, in TypeScript over generated/ (mirrors migration/options.c)');

section('initial state: migrate_params_init(), no backend-transfer');
showState();

const setBackendTransfer =
  '{ "execute": "migrate-set-parameters", "arguments": { "multifd-channels": 4, "backend-transfer": [ "virtio-net-tap" ] } }';

section('migrate-set-parameters under unstable-input=reject (backend-transfer is unstable)');
exchange(setBackendTransfer, 'unstable-input=reject');
say('   nothing applied:');
showState();

section('the same command under unstable-input=accept');
exchange(setBackendTransfer, 'unstable-input=accept');
showState();

section('a value BackendTransfer does not have: strict input names the path');
exchange(
  '{ "execute": "migrate-set-parameters", "arguments": { "backend-transfer": [ "virtio-net-tap", "vhost-user" ] } }',
  'unstable-input=accept',
);
exchange(
  '{ "execute": "migrate-set-parameters", "arguments": { "backend-transfers": [] } }',
  'unstable-input=accept',
);
showState();

section('qmp_query_migrate_parameters() returns a clone (QAPI_CLONE)');
const reply = qmpQueryMigrateParameters();
say(
  `<- {"return":${encodeText('MigrationParameters', reply)}}`,
);
const state = migrateGetCurrent().parameters;
say(
  `   reply === state: ${reply === state}; reply's list === state's list: ${reply['backend-transfer'] === state['backend-transfer']}`,
);
say("   the caller empties the reply's list and changes multifd-channels:");
reply['backend-transfer']?.splice(0);
reply['multifd-channels'] = 16;
say(`   reply: ${show(reply)}`);
say('   the state is unaffected:');
showState();

section('migrate_params_apply() keeps a clone of the new list');
const newParams: MigrateSetParameters = { 'backend-transfer': [] };
migrateParamsApply(newParams);
say(`   applied ${JSON.stringify(newParams)}`);
showState();
const list = ['virtio-net-tap' as const];
migrateParamsApply({ 'backend-transfer': list });
say(
  `   applied {"backend-transfer":${JSON.stringify(list)}}, then the caller empties its own list`,
);
list.splice(0);
say(`   caller's list: ${JSON.stringify(list)}`);
showState();

section('tls-creds is a StrOrNull: null turns TLS off, and the state keeps ""');
// Stable members pass under unstable-input=reject; only unstable ones are refused.
exchange(
  '{ "execute": "migrate-set-parameters", "arguments": { "tls-creds": "tls0" } }',
  'unstable-input=reject',
);
showState();
exchange(
  '{ "execute": "migrate-set-parameters", "arguments": { "tls-creds": null } }',
  'unstable-input=reject',
);
showState();

process.stdout.write(out.join('\n') + '\n');
