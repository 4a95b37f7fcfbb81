/**
 * The diff's classification, rule by rule: small schema pairs (read with the
 * front end in-process) and the changes they give.
 */
import { describe, expect, it } from 'vitest';
import { accept } from '../helpers/schema.js';
import { snapshotOf } from '../../generator/diff/snapshot.js';
import { diffSnapshots, type Change } from '../../generator/diff/diff.js';

function diff(a: string, b: string): Change[] {
  return diffSnapshots(snapshotOf(accept(a)), snapshotOf(accept(b)));
}

/** `owner name: text => class` lines, for compact expectations. */
function brief(changes: Change[]): string[] {
  return changes.map((c) => `${c.name}: ${c.text} => ${c.class}${c.directions?.input && c.directions.output ? ` (in ${c.directions.input.class}, out ${c.directions.output.class})` : ''}`);
}

const base = `
{ 'enum': 'Color', 'data': [ 'red', 'green' ] }
{ 'struct': 'Info', 'data': { 'name': 'str', '*size': 'int' } }
{ 'command': 'set-color', 'data': { 'color': 'Color', '*force': 'bool' } }
{ 'command': 'query-info', 'returns': 'Info' }
{ 'event': 'COLOR_CHANGED', 'data': { 'color': 'Color' } }
`;

describe('classification by direction', () => {
  it('finds nothing between a schema and itself', () => {
    expect(diff(base, base)).toEqual([]);
  });

  it('arguments: optional added is compatible, mandatory added and removed are breaking', () => {
    const b = base.replace("'data': { 'color': 'Color', '*force': 'bool' }", "'data': { 'color': 'Color', '*dry-run': 'bool', 'why': 'str' }");
    expect(brief(diff(base, b))).toEqual([
      'set-color: argument `force` removed => breaking',
      'set-color: optional argument `dry-run` added (type `bool`) => compatible',
      'set-color: mandatory argument `why` added (type `str`) => breaking',
    ]);
    const r = diff(base, b);
    expect(r.map((c) => c.rule)).toEqual(['send-remove-argument', 'send-add-optional', 'send-add-mandatory']);
    expect(r.every((c) => c.section === 'arguments')).toBe(true);
  });

  it('arguments: mandatory to optional is compatible, optional to mandatory breaking', () => {
    const b = base.replace("'data': { 'color': 'Color', '*force': 'bool' }", "'data': { '*color': 'Color', 'force': 'bool' }");
    expect(brief(diff(base, b))).toEqual(['set-color: argument `color` became optional => compatible', 'set-color: argument `force` became mandatory => breaking']);
  });

  it('returns: a new member is compatible, a removed one breaking, one going optional breaking', () => {
    const b = base.replace("'data': { 'name': 'str', '*size': 'int' }", "'data': { '*name': 'str', 'extra': 'bool' }");
    expect(brief(diff(base, b))).toEqual([
      'query-info: return changed through `Info` => breaking',
      'Info: optional member `size` removed => review'.replace('optional member', 'member'),
      'Info: member `name` became optional => breaking',
      'Info: mandatory member `extra` added (type `bool`) => compatible',
    ]);
  });

  it('an enum used both ways: a new value is compatible as input, review as output; both classes are kept', () => {
    const b = base.replace("[ 'red', 'green' ]", "[ 'red', 'green', 'blue' ]");
    const r = diff(base, b);
    expect(brief(r)).toEqual([
      'set-color: arguments changed through `Color` => compatible',
      'COLOR_CHANGED: data changed through `Color` => review',
      'Color: value `blue` added => review (in compatible, out review)',
    ]);
    expect(r[2]!.directions).toEqual({ input: { class: 'compatible', rule: 'send-add-value' }, output: { class: 'review', rule: 'receive-add-value' } });
  });

  it('a removed enum value is breaking as input', () => {
    const b = base.replace("[ 'red', 'green' ]", "[ 'red' ]");
    expect(brief(diff(base, b))).toContain('Color: value `green` removed => breaking (in breaking, out review)');
  });

  it('commands and events: added compatible, removed breaking', () => {
    const b = base.replace(/\{ 'event': 'COLOR_CHANGED'.*\n/, '').replace("{ 'command': 'query-info', 'returns': 'Info' }", "{ 'command': 'query-info', 'returns': 'Info' }\n{ 'command': 'reset' }\n{ 'event': 'RESET' }");
    expect(brief(diff(base, b))).toEqual(['reset: added => compatible', 'COLOR_CHANGED: removed => breaking', 'RESET: added => compatible']);
  });

  it('becoming deprecated is a notice; becoming unstable too; a new unstable member is compatible', () => {
    const b = base
      .replace("'*force': 'bool'", "'*force': { 'type': 'bool', 'features': [ 'deprecated' ] }, '*x-fast': { 'type': 'bool', 'features': [ 'unstable' ] }")
      .replace("{ 'command': 'query-info', 'returns': 'Info' }", "{ 'command': 'query-info', 'returns': 'Info', 'features': [ 'unstable' ] }");
    expect(brief(diff(base, b))).toEqual([
      'query-info: became unstable => notice',
      'set-color: argument `force` became deprecated => notice',
      'set-color: optional argument `x-fast` added (type `bool`, unstable) => compatible',
    ]);
  });

  it("a removal of something unstable stays breaking, noted", () => {
    const a = base.replace("{ 'command': 'query-info', 'returns': 'Info' }", "{ 'command': 'x-debug', 'features': [ 'unstable' ] }\n{ 'command': 'query-info', 'returns': 'Info' }");
    const [c] = diff(a, base);
    expect(c).toMatchObject({ name: 'x-debug', change: 'removed', class: 'breaking', note: 'was unstable' });
  });

  it("'if' added is review, removed compatible", () => {
    const b = base.replace("{ 'command': 'query-info', 'returns': 'Info' }", "{ 'command': 'query-info', 'returns': 'Info', 'if': 'CONFIG_INFO' }");
    expect(brief(diff(base, b))).toEqual(['query-info: now conditional: if CONFIG_INFO => review']);
    expect(brief(diff(b, base))).toEqual(['query-info: no longer conditional (was if CONFIG_INFO) => compatible']);
  });

  it('a renamed type with the same values is compatible; type names alone are notices', () => {
    const b = base.replace(/'Info'/g, "'InfoV2'");
    expect(brief(diff(base, b))).toEqual(['query-info: return type changed from `Info` to `InfoV2` => compatible', 'Info: removed => notice', 'InfoV2: added => compatible']);
    const c = base.replace("'returns': 'Info'", "'returns': 'Other'") + "{ 'struct': 'Other', 'data': { 'name': 'int' } }";
    expect(brief(diff(base, c)).slice(0, 1)).toEqual(['query-info: return type changed from `Info` to `Other` => review']);
  });

  it('turning an argument into an alternate of its type is compatible as input', () => {
    const b = base.replace("'color': 'Color',", "'color': 'ColorOrCode',") + "{ 'alternate': 'ColorOrCode', 'data': { 'name': 'Color', 'code': 'int' } }";
    expect(brief(diff(base, b))).toEqual(['set-color: argument `color` type changed from `Color` to `ColorOrCode` => compatible', 'ColorOrCode: added => compatible']);
  });

  it('union branches and alternate branches added and removed', () => {
    const a = `
{ 'enum': 'Kind', 'data': [ 'a', 'b' ] }
{ 'struct': 'Aaa', 'data': { 'x': 'int' } }
{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': 'Aaa' } }
{ 'alternate': 'Alt', 'data': { 'n': 'int', 's': 'Aaa' } }
{ 'command': 'go', 'data': { 'uni': 'Uni', 'alt': 'Alt' } }`;
    const b = a.replace("[ 'a', 'b' ]", "[ 'a', 'b', 'c' ]").replace("'data': { 'a': 'Aaa' }", "'data': { 'a': 'Aaa', 'b': 'Aaa' }").replace("'n': 'int', 's': 'Aaa'", "'n': 'int'");
    expect(brief(diff(a, b))).toEqual([
      'go: arguments changed through `Alt`, `Kind`, `Uni` => breaking',
      'Alt: alternative `s` removed => breaking',
      'Kind: value `c` added => compatible',
      'Uni: branch `b` changed from no members to `Aaa` => review',
      'Uni: branch `c` added (no members) => compatible',
    ]);
  });

  it('a type no command or event uses: its changes are compatible (nothing on the wire)', () => {
    const a = base + "{ 'enum': 'Unused', 'data': [ 'x', 'y' ] }";
    const b = base + "{ 'enum': 'Unused', 'data': [ 'x', 'z' ] }";
    const r = diff(a, b);
    expect(r.map((c) => [c.text, c.class, c.rule])).toEqual([
      ['value `y` removed', 'compatible', 'unused-type'],
      ['value `z` added', 'compatible', 'unused-type'],
    ]);
  });

  it('members a named base defines are reported on the base only', () => {
    const a = `
{ 'struct': 'Base', 'data': { 'id': 'str' } }
{ 'struct': 'Sub', 'base': 'Base', 'data': { 'v': 'int' } }
{ 'command': 'q', 'returns': 'Sub' }`;
    const b = a.replace("{ 'id': 'str' }", "{ 'id': 'str', '*tag': 'str' }");
    expect(brief(diff(a, b))).toEqual(['q: return changed through `Base` => compatible', 'Base: optional member `tag` added (type `str`) => compatible']);
  });
});
