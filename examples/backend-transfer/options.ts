/**
 * QEMU's migration/options.c, as far as the backend-transfer seed touches it,
 * written over the generated bindings (generated/qmp/migration.ts).
 *
 * C                                          TypeScript
 * BackendTransferList *el; el = el->next     BackendTransferList = BackendTransfer[]; for…of
 * QAPI_CLONE(BackendTransferList, l)          clone('BackendTransferList', l)
 * QAPI_CLONE(MigrationParameters, p)          clone('MigrationParameters', p)
 * qapi_free_BackendTransferList(l)            (the garbage collector)
 * params->has_backend_transfer                params['backend-transfer'] !== undefined
 * StrOrNull *tls_creds (QTYPE_QNULL → "")     params['tls-creds'] ?? ''
 */

import {
  BackendTransfer,
  type MigrateSetParameters,
  type MigrationParameters,
  clone,
} from '../../generated/qmp/index.js';

/** QEMU's MigrationState, reduced to what this example needs. */
export interface MigrationState {
  parameters: MigrationParameters;
}

/** migrate_params_init(): QEMU's defaults; no backend-transfer migration. */
export function migrateParamsInit(): MigrationParameters {
  return {
    'max-bandwidth': 128 * 1024 * 1024,
    'downtime-limit': 300,
    'multifd-channels': 2,
    'tls-creds': '',
    'backend-transfer': [],
  };
}

const current: MigrationState = { parameters: migrateParamsInit() };

/** migrate_get_current() */
export function migrateGetCurrent(): MigrationState {
  return current;
}

/**
 * migrate_virtio_net_tap(): whether backend-transfer is enabled for
 * virtio-net/tap. The C walks the linked list `el = el->next`; a
 * BackendTransferList is a plain array, so this is `for…of`.
 */
export function migrateVirtioNetTap(
  params: MigrationParameters = migrateGetCurrent().parameters,
): boolean {
  for (const el of params['backend-transfer'] ?? []) {
    if (el === BackendTransfer['virtio-net-tap']) {
      return true;
    }
  }
  return false;
}

/** The same search in one line: `includes`. */
export function migrateVirtioNetTapIncludes(
  params: MigrationParameters = migrateGetCurrent().parameters,
): boolean {
  return (params['backend-transfer'] ?? []).includes('virtio-net-tap');
}

/**
 * qmp_query_migrate_parameters(): a copy of the current parameters that
 * shares nothing with them. The C clones each list member
 * (`QAPI_CLONE(BackendTransferList, s->parameters.backend_transfer)`);
 * the generated clone of the whole struct does that for every member.
 */
export function qmpQueryMigrateParameters(): MigrationParameters {
  const s = migrateGetCurrent();
  return clone('MigrationParameters', s.parameters);
}

/**
 * migrate_params_apply(): takes the members present in `params`. The new
 * list replaces the old one as a clone, so the caller's list (the decoded
 * command arguments) is never shared with the state.
 */
export function migrateParamsApply(params: MigrateSetParameters): void {
  const dest = migrateGetCurrent().parameters;

  if (params['max-bandwidth'] !== undefined) {
    dest['max-bandwidth'] = params['max-bandwidth'];
  }
  if (params['downtime-limit'] !== undefined) {
    dest['downtime-limit'] = params['downtime-limit'];
  }
  if (params['multifd-channels'] !== undefined) {
    dest['multifd-channels'] = params['multifd-channels'];
  }
  if (params['tls-creds'] !== undefined) {
    // MigrateSetParameters' tls-creds is a StrOrNull (`string | null`);
    // qmp_migrate_set_parameters() turns null ("TLS off") into "", which is
    // what MigrationParameters' plain `str` holds and what management
    // applications expect to read back.
    dest['tls-creds'] = params['tls-creds'] ?? '';
  }

  if (params['backend-transfer'] !== undefined) {
    // qapi_free_BackendTransferList(s->parameters.backend_transfer): the old
    // list is simply dropped.
    dest['backend-transfer'] = clone('BackendTransferList', params['backend-transfer']);
  }
}
