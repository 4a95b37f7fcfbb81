/**
 * The example programs (examples/): compiled with the repository's tsc
 * under examples/tsconfig.json (strict, exactOptionalPropertyTypes,
 * noUncheckedIndexedAccess), run with node, and their transcripts checked.
 *
 * The build goes to a private temporary directory (not tmp/examples/, which
 * `npm run example:*` uses), with a package.json making the output ES modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { describeQemu } from '../helpers/qemu.js';

let outDir = '';

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'qapi-ts-examples-'));
  // Throws (with tsc's diagnostics on stdout) if the examples don't type-check.
  execFileSync(
    resolve(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
    ['-p', resolve(REPO_ROOT, 'examples/tsconfig.json'), '--outDir', outDir],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
}, 900_000);

afterAll(() => {
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
});

function run(example: string): string {
  return execFileSync(process.execPath, [join(outDir, 'examples', example, 'main.js')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
}

/** The lines of the transcript section whose `== title` starts with `prefix`. */
function section(transcript: string, prefix: string): string[] {
  const sections = transcript.split('\n== ');
  const found = sections.filter((s) => s.startsWith(prefix));
  expect(found, `exactly one section "${prefix}"`).toHaveLength(1);
  return found[0]!.split('\n').slice(1);
}

function lineWith(lines: readonly string[], text: string): string {
  const line = lines.find((l) => l.includes(text));
  expect(line, `a line with ${JSON.stringify(text)} in:\n${lines.join('\n')}`).toBeDefined();
  return line!;
}

describe('examples/backend-transfer', () => {
  let out = '';
  beforeAll(() => {
    out = run('backend-transfer');
  });

  it('starts without backend-transfer', () => {
    const lines = section(out, 'initial state');
    expect(lineWith(lines, '   state: {')).toContain('"multifd-channels":2');
    expect(lineWith(lines, '   state: {')).toContain('"backend-transfer":[]');
    expect(lineWith(lines, 'migrateVirtioNetTap()')).toContain(
      'migrateVirtioNetTap() = false, with includes: false',
    );
  });

  it('refuses backend-transfer under unstable-input=reject with a message naming it, and applies nothing', () => {
    const lines = section(out, 'migrate-set-parameters under unstable-input=reject');
    expect(lineWith(lines, 'refused:')).toContain(
      'refused: Unstable parameter backend-transfer disabled by policy',
    );
    expect(lineWith(lines, 'refused:')).toContain('path backend-transfer)');
    expect(lineWith(lines, '<- ')).toBe(
      '<- {"error":{"class":"GenericError","desc":"Unstable parameter backend-transfer disabled by policy"}}',
    );
    // The whole command is refused: multifd-channels, too, keeps its value.
    expect(lineWith(lines, '   state: {')).toContain('"multifd-channels":2');
    expect(lineWith(lines, '   state: {')).toContain('"backend-transfer":[]');
    expect(lineWith(lines, 'migrateVirtioNetTap()')).toContain('= false');
  });

  it('takes and applies the same command under unstable-input=accept', () => {
    const lines = section(out, 'the same command under unstable-input=accept');
    expect(lines.some((l) => l.includes('refused'))).toBe(false);
    expect(lineWith(lines, 'accepted')).toContain(
      '{"multifd-channels":4,"backend-transfer":["virtio-net-tap"]}',
    );
    expect(lineWith(lines, '<- ')).toBe('<- {"return":{}}');
    expect(lineWith(lines, '   state: {')).toContain('"multifd-channels":4');
    expect(lineWith(lines, '   state: {')).toContain('"backend-transfer":["virtio-net-tap"]');
    expect(lineWith(lines, 'migrateVirtioNetTap()')).toContain(
      'migrateVirtioNetTap() = true, with includes: true',
    );
  });

  it('reports a bad list element and an unknown member with their paths', () => {
    const lines = section(out, 'a value BackendTransfer does not have');
    expect(lines).toContain(
      '<- {"error":{"class":"GenericError","desc":"Parameter \'backend-transfer[1]\' does not accept value \'vhost-user\'"}}',
    );
    expect(lines).toContain(
      '<- {"error":{"class":"GenericError","desc":"Parameter \'backend-transfers\' is unexpected"}}',
    );
    expect(lineWith(lines, '   state: {')).toContain('"backend-transfer":["virtio-net-tap"]');
  });

  it('query-migrate-parameters returns a clone: mutating it leaves the state alone', () => {
    const lines = section(out, 'qmp_query_migrate_parameters()');
    expect(lineWith(lines, '<- ')).toContain('"backend-transfer":["virtio-net-tap"]');
    expect(lineWith(lines, 'reply === state')).toBe(
      "   reply === state: false; reply's list === state's list: false",
    );
    const reply = lineWith(lines, '   reply: {');
    expect(reply).toContain('"multifd-channels":16');
    expect(reply).toContain('"backend-transfer":[]');
    const state = lineWith(lines, '   state: {');
    expect(state).toContain('"multifd-channels":4');
    expect(state).toContain('"backend-transfer":["virtio-net-tap"]');
    expect(lineWith(lines, 'migrateVirtioNetTap()')).toContain('= true');
  });

  it('migrate_params_apply keeps a clone: emptying the caller’s list afterwards changes nothing', () => {
    const lines = section(out, 'migrate_params_apply()');
    const states = lines.filter((l) => l.includes('   state: {'));
    expect(states).toHaveLength(2);
    expect(states[0]).toContain('"backend-transfer":[]');
    expect(lineWith(lines, "caller's list:")).toBe("   caller's list: []");
    expect(states[1]).toContain('"backend-transfer":["virtio-net-tap"]');
    expect(lines.filter((l) => l.includes('migrateVirtioNetTap()'))).toEqual([
      '   migrateVirtioNetTap() = false, with includes: false',
      '   migrateVirtioNetTap() = true, with includes: true',
    ]);
  });

  it('takes tls-creds as a StrOrNull: a string is kept, null is stored as ""', () => {
    const lines = section(out, 'tls-creds is a StrOrNull');
    expect(lines.some((l) => l.includes('refused'))).toBe(false);
    expect(lines.filter((l) => l.includes('accepted'))).toEqual([
      '   accepted, decoded arguments: {"tls-creds":"tls0"}',
      '   accepted, decoded arguments: {"tls-creds":null}',
    ]);
    const states = lines.filter((l) => l.includes('   state: {'));
    expect(states).toHaveLength(2);
    expect(states[0]).toContain('"tls-creds":"tls0"');
    expect(states[1]).toContain('"tls-creds":""');
    expect(states[1]).toContain('"backend-transfer":["virtio-net-tap"]');
  });

  it('prints the same transcript every time', () => {
    expect(run('backend-transfer')).toBe(out);
  });
});

describe('examples/redact', () => {
  let out = '';
  beforeAll(() => {
    out = run('redact');
  });

  it('redacts the secrets at every depth of a blockdev-add BlockdevOptions, and nothing else', () => {
    const lines = section(out, 'BlockdevOptions');
    const before = lineWith(lines, 'before:');
    const after = lineWith(lines, 'after:');
    // qcow2 → encrypt (a union of its own) → key-secret
    expect(before).toContain('"encrypt":{"format":"luks","key-secret":"disk0-passphrase-id"}');
    // qcow2 → backing (an alternate holding a luks node) → key-secret
    expect(before).toContain('"key-secret":"base0-passphrase-id"');
    // … → backing → file (an https node) → password-secret
    expect(before).toContain('"password-secret":"base0-password-id"');
    expect(after).not.toMatch(/passphrase-id|password-id/);
    expect(after).toContain('"encrypt":{"format":"luks","key-secret":"***"}');
    expect(after.match(/"key-secret":"\*\*\*"/g)).toHaveLength(2);
    expect(after.match(/"password-secret":"\*\*\*"/g)).toHaveLength(1);
    // Everything but the secrets is as before (the username and url included).
    expect(after).toContain('"username":"images"');
    expect(after).toBe(
      before
        .replace('before:', 'after: ')
        .replace(/"(key-secret|password-secret)":"[^"]*"/g, '"$1":"***"'),
    );
    expect(lineWith(lines, 'redacted:')).toBe('redacted: password-secret, key-secret, key-secret');
    expect(lineWith(lines, 'source value untouched')).toBe(
      'source value untouched: encrypt.key-secret = "disk0-passphrase-id"',
    );
  });

  it('redacts tls-creds of MigrateSetParameters', () => {
    const lines = section(out, 'MigrateSetParameters');
    expect(lineWith(lines, 'before:')).toContain('"tls-creds":"tls0-creds-id"');
    const after = lineWith(lines, 'after:');
    expect(after).not.toContain('tls0-creds-id');
    expect(after).toContain('"tls-creds":"***"');
    expect(after).toContain('"max-bandwidth":1048576');
    expect(after).toContain('"backend-transfer":["virtio-net-tap"]');
    // tls-creds is a StrOrNull: its string branch is what the visitor redacts.
    expect(lineWith(lines, 'redacted:')).toBe('redacted: tls-creds');
  });

  it('still reports a wrongly typed secret through the inner visitor', () => {
    const lines = section(out, 'the inner visitor still checks');
    // QEMU's words for an alternate (StrOrNull) that gets neither branch.
    expect(lineWith(lines, 'error:')).toBe(
      "error:    Invalid parameter type for 'tls-creds', expected: StrOrNull",
    );
  });

  it('never prints a secret after redaction', () => {
    const redactedLines = out.split('\n').filter((l) => l.startsWith('after:'));
    expect(redactedLines).toHaveLength(2);
    for (const l of redactedLines) expect(l).not.toMatch(/passphrase-id|password-id|creds-id/);
  });
});

describe('examples/qmp-client', () => {
  let out = '';
  beforeAll(() => {
    out = run('qmp-client');
  });

  it('negotiates with the fake server, oob included', () => {
    expect(section(out, 'greeting')).toContain('QEMU 7.2, oob true');
  });

  it('round-trips a migration parameter through typed handlers', () => {
    expect(lineWith(section(out, 'round trip'), 'multifd-channels')).toBe('multifd-channels 8, backend-transfer ["virtio-net-tap"]');
  });

  it('refuses a typo before sending, in QEMU words, and writes nothing', () => {
    expect(section(out, 'checked before sending')).toContain("QmpError: Parameter 'backend-transfers' is unexpected; lines sent: 0");
  });

  it('delivers a typed event', () => {
    expect(section(out, 'typed events')).toContain('JOB_STATUS_CHANGE: job mirror0 is running');
  });

  it('turns an error reply into a QmpError with its class', () => {
    expect(lineWith(section(out, 'errors from the server'), 'GenericError')).toMatch(/^GenericError: .*migrate/);
  });
});

describeQemu('examples/guest-agent', () => {
  let out = '';
  beforeAll(() => {
    out = run('guest-agent');
  }, 120_000);

  it('asks QEMU itself over QMP: paused before start (-S)', () => {
    // QEMU 7.2 reports a VM started with -S and not yet continued as prelaunch.
    expect(lineWith(section(out, 'QMP: QEMU itself'), 'status:')).toBe('status: prelaunch, running: false');
  });

  it("finds the agent's chardev: a UNIX socket server nobody has connected to, a port no guest has opened", () => {
    expect(lineWith(section(out, 'QMP: QEMU itself'), "the agent's chardev:")).toBe(
      "the agent's chardev: qga0, host side disconnected:unix:$DIR/qga.sock,server=on, guest side open: false",
    );
  });

  it("learns that no agent runs from the QGA client's sync timing out", () => {
    const lines = section(out, 'the guest agent');
    expect(lineWith(lines, 'no agent answers')).toMatch(
      /^no agent answers \(reason sync\): .*guest-sync-delimited.*\(2 attempts, 300 ms each\)/,
    );
    expect(lines.some((l) => l.startsWith('guest OS:'))).toBe(false);
  });

  it("stops QEMU with QMP's quit", () => {
    expect(section(out, 'QMP: quit')).toContain('QEMU has exited');
  });
});
