/**
 * The runtime's error base: every error the runtime throws on purpose
 * extends QapiError, and keeps its own name and message (the base was added
 * under existing classes for the QMP client's errors).
 */
import { describe, expect, it } from 'vitest';
import { CompatPolicyCrash, QapiError, QapiPathError, QapiValueError, missingMember } from '../../templates/runtime/errors.js';
import { CompatPolicySyntaxError, parseCompatPolicy } from '../../templates/runtime/compat.js';
import { parseQmpJson, QmpJsonError } from '../../templates/runtime/json.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { QmpConnectionError, QmpEventOverflowError, QmpProtocolError, QmpReplyError, QmpTimeoutError } from '../../templates/runtime/qmp-client.js';

function thrown(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('QapiError, the base of the runtime errors', () => {
  it('is the base of every runtime error, each keeping its name and message', () => {
    const cases: Array<[Error, string, string]> = [
      [missingMember('x'), 'QapiValueError', "Parameter 'x' is missing"],
      [new CompatPolicyCrash('policy', 'Deprecated command c disabled by policy', false), 'CompatPolicyCrash', 'Deprecated command c disabled by policy'],
      [thrown(() => parseQmpJson('{')), 'QmpJsonError', ''],
      [thrown(() => parseCompatPolicy('nope=1')), 'CompatPolicySyntaxError', ''],
      [new QmpError('CommandNotFound', 'The command x has not been found'), 'QmpError', 'The command x has not been found'],
      [new QmpConnectionError('ended', 'gone'), 'QmpConnectionError', 'gone'],
      [new QmpTimeoutError('query-status', 5), 'QmpTimeoutError', 'No reply to query-status within 5 ms'],
      [new QmpReplyError('query-status', {}, new Error('bad')), 'QmpReplyError', 'The reply to query-status does not fit its return type: bad'],
      [new QmpProtocolError('unknown-id', 'dropped', {}), 'QmpProtocolError', 'dropped'],
      [new QmpEventOverflowError(3), 'QmpEventOverflowError', "The event stream fell more than 3 events behind (raise bufferSize, or use overflow: 'drop-oldest')"],
    ];
    for (const [e, name, message] of cases) {
      expect(e, name).toBeInstanceOf(QapiError);
      expect(e, name).toBeInstanceOf(Error);
      expect(e.name).toBe(name);
      if (message !== '') expect(e.message).toBe(message);
      expect(String(e).startsWith(`${name}: `)).toBe(true);
    }
    expect(cases[2]![0]).toBeInstanceOf(QmpJsonError);
    expect(cases[3]![0]).toBeInstanceOf(CompatPolicySyntaxError);
    expect(missingMember('x')).toBeInstanceOf(QapiPathError);
    expect(missingMember('x')).toBeInstanceOf(QapiValueError);
  });

  it('a path error renders its message on demand (no own message property)', () => {
    const e = missingMember('b');
    e.reversedKeys.push('a');
    expect(Object.prototype.hasOwnProperty.call(e, 'message')).toBe(false);
    expect(e.message).toBe("Parameter 'a.b' is missing");
  });

  it('QmpError: the old two-argument form still works; class, desc, command and fromServer', () => {
    const old = new QmpError('GenericError', 'boom');
    expect([old.errorClass, old.message, old.desc, old.command, old.fromServer]).toEqual(['GenericError', 'boom', 'boom', undefined, false]);
    const cause = missingMember('x');
    const e = new QmpError('DeviceNotFound', "Device 'd' not found", { command: 'device_del', fromServer: true, cause });
    expect([e.errorClass, e.desc, e.command, e.fromServer, e.cause]).toEqual(['DeviceNotFound', "Device 'd' not found", 'device_del', true, cause]);
  });
});
