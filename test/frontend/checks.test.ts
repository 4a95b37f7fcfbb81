/**
 * One case per checking rule of generator/check/expr-checks.ts and
 * generator/model/entities.ts, each with QEMU's exact message. Schemas are
 * written here; messages follow QEMU 10.2.2's front end.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accept, dumpOf, errorOf, lines, load } from '../helpers/schema.js';
import { checkExprs, cName } from '../../generator/check/expr-checks.js';
import { QapiSemError, SourceInfo } from '../../generator/source/source-info.js';

/** QEMU's two-line form for an error inside a definition. */
const inDef = (meta: string, name: string, line: number, msg: string): string =>
  `schema.json: In ${meta} '${name}':\nschema.json:${line}: ${msg}`;

type Row = [string, string, string];

function table(rows: Row[]): void {
  it.each(rows)('%s', (_what, schema, message) => {
    expect(errorOf(schema)).toBe(message);
  });
}

describe('expression shape and keys', () => {
  table([
    ['two meta-type keys', "{ 'enum': 'Foo', 'struct': 'Bar', 'data': [] }", "schema.json:1: expression must have exactly one key 'enum', 'struct', 'union', 'alternate', 'command', 'event'"],
    ['no meta-type key', "{ 'data': {} }", "schema.json:1: expression must have exactly one key 'enum', 'struct', 'union', 'alternate', 'command', 'event'"],
    ['non-string name', "{ 'struct': [ 'Foo' ], 'data': {} }", "schema.json:1: 'struct' requires a string name"],
    ['non-string command name', "{ 'command': true }", "schema.json:1: 'command' requires a string name"],
    ['missing key', "{ 'enum': 'Foo' }", inDef('enum', 'Foo', 1, "enum misses key 'data'")],
    ['missing keys, sorted', "{ 'union': 'Uni' }", inDef('union', 'Uni', 1, "union misses keys 'base', 'data', 'discriminator'")],
    ['unknown enum key', "{ 'enum': 'Foo', 'data': [], 'bogus': true }", inDef('enum', 'Foo', 1, "enum has unknown key 'bogus'\nValid keys are 'data', 'enum', 'features', 'if', 'prefix'.")],
    ['unknown struct keys', "{ 'struct': 'Foo', 'data': {}, 'zz': true, 'aa': true }", inDef('struct', 'Foo', 1, "struct has unknown keys 'aa', 'zz'\nValid keys are 'base', 'data', 'features', 'if', 'struct'.")],
    ['unknown union key', "{ 'union': 'Uni', 'base': {}, 'discriminator': 'x', 'data': {}, 'x': true }", inDef('union', 'Uni', 1, "union has unknown key 'x'\nValid keys are 'base', 'data', 'discriminator', 'features', 'if', 'union'.")],
    ['alternate with base', "{ 'alternate': 'Alt', 'base': 'Foo', 'data': { 'a': 'int' } }", inDef('alternate', 'Alt', 1, "alternate has unknown key 'base'\nValid keys are 'alternate', 'data', 'features', 'if'.")],
    ['unknown command key', "{ 'command': 'foo', 'returns-maybe': 'int' }", inDef('command', 'foo', 1, "command has unknown key 'returns-maybe'\nValid keys are 'allow-oob', 'allow-preconfig', 'boxed', 'command', 'coroutine', 'data', 'features', 'gen', 'if', 'returns', 'success-response'.")],
    ['unknown event key', "{ 'event': 'FOO', 'returns': 'int' }", inDef('event', 'FOO', 1, "event has unknown key 'returns'\nValid keys are 'boxed', 'data', 'event', 'features', 'if'.")],
    ['the error names the line the definition starts on', "{ 'struct': 'Foo', 'data': {} }\n\n{ 'enum': 'Bar',\n  'data': {} }", inDef('enum', 'Bar', 3, "'data' must be an array")],
  ]);
});

describe('definition names', () => {
  table([
    ['invalid character', "{ 'struct': 'Foo!', 'data': {} }", inDef('struct', 'Foo!', 1, 'struct has an invalid name')],
    ['leading digit', "{ 'struct': '1Foo', 'data': {} }", inDef('struct', '1Foo', 1, 'struct has an invalid name')],
    ["the reserved 'q_' namespace", "{ 'struct': 'q_Foo', 'data': {} }", inDef('struct', 'q_Foo', 1, 'struct has an invalid name')],
    ["'q-' maps to 'q_' in C", "{ 'command': 'q-foo' }", inDef('command', 'q-foo', 1, 'command has an invalid name')],
    ['struct not CamelCase', "{ 'struct': 'foo', 'data': {} }", inDef('struct', 'foo', 1, 'name of struct must use CamelCase')],
    ['all-caps is not CamelCase', "{ 'enum': 'FOO', 'data': [] }", inDef('enum', 'FOO', 1, 'name of enum must use CamelCase')],
    ['CamelCase allows no dash', "{ 'alternate': 'Foo-Bar', 'data': { 'a': 'int' } }", inDef('alternate', 'Foo-Bar', 1, 'name of alternate must use CamelCase')],
    ['event in lowercase', "{ 'event': 'Foo' }", inDef('event', 'Foo', 1, "name of event must not use lowercase or '-'")],
    ['event with a dash', "{ 'event': 'FOO-BAR' }", inDef('event', 'FOO-BAR', 1, "name of event must not use lowercase or '-'")],
    ['command in uppercase', "{ 'command': 'doIt' }", inDef('command', 'doIt', 1, "name of command must not use uppercase or '_'")],
    ['command with underscore', "{ 'command': 'do_it' }", inDef('command', 'do_it', 1, "name of command must not use uppercase or '_'")],
    ["type name ending in 'List'", "{ 'enum': 'FooList', 'data': [] }", inDef('enum', 'FooList', 1, "enum name should not end in 'List'")],
    ["struct name ending in 'List'", "{ 'struct': 'BarList', 'data': {} }", inDef('struct', 'BarList', 1, "struct name should not end in 'List'")],
    ['redefinition', "{ 'struct': 'Foo', 'data': {} }\n{ 'enum': 'Foo', 'data': [] }", "schema.json: In enum 'Foo':\nschema.json:2: 'Foo' is already defined\nschema.json: In struct 'Foo':\nschema.json:1: previous definition"],
    ['redefining a command', "{ 'command': 'foo' }\n{ 'command': 'foo' }", "schema.json: In command 'foo':\nschema.json:2: 'foo' is already defined\nschema.json: In command 'foo':\nschema.json:1: previous definition"],
    ['redefining the predefined QType', "{ 'enum': 'QType', 'data': [] }", inDef('enum', 'QType', 1, "enum type 'QType' is already defined")],
  ]);

  it('accepts downstream (__vendor.) and experimental (x-) prefixes', () => {
    const schema = accept(
      "{ 'struct': '__org.qemu_Foo', 'data': {} }\n{ 'command': 'x-do-it' }\n{ 'command': '__com.example_x-do-it' }\n{ 'event': '__org.qemu_X-EVENT' }",
    );
    expect(schema.definitions.filter((d) => d.info).map((d) => d.name)).toEqual(['__org.qemu_Foo', 'x-do-it', '__com.example_x-do-it', '__org.qemu_X-EVENT']);
  });

  it('checks the name after a downstream prefix', () => {
    expect(errorOf("{ 'command': '__org.qemu_Do' }")).toBe(inDef('command', '__org.qemu_Do', 1, "name of command must not use uppercase or '_'"));
  });
});

describe('members', () => {
  table([
    ['reserved member u', "{ 'struct': 'Foo', 'data': { 'u': 'int' } }", inDef('struct', 'Foo', 1, "'data' member 'u' uses reserved name")],
    ['reserved has- prefix', "{ 'struct': 'Foo', 'data': { '*has-x': 'int' } }", inDef('struct', 'Foo', 1, "'data' member '*has-x' uses reserved name")],
    ['reserved q- prefix', "{ 'command': 'foo', 'data': { 'q-x': 'int' } }", inDef('command', 'foo', 1, "'data' member 'q-x' has an invalid name")],
    ['uppercase member', "{ 'struct': 'Foo', 'data': { 'Bar': 'int' } }", inDef('struct', 'Foo', 1, "name of 'data' member 'Bar' must not use uppercase or '_'")],
    ['member with underscore', "{ 'event': 'EV', 'data': { 'a_b': 'int' } }", inDef('event', 'EV', 1, "name of 'data' member 'a_b' must not use uppercase or '_'")],
    ['empty optional name', "{ 'struct': 'Foo', 'data': { '*': 'int' } }", inDef('struct', 'Foo', 1, "'data' member '*' has an invalid name")],
    ['leading underscore', "{ 'struct': 'Foo', 'data': { '_x': 'int' } }", inDef('struct', 'Foo', 1, "'data' member '_x' has an invalid name")],
    ['member misses type', "{ 'struct': 'Foo', 'data': { 'a': { 'if': 'X' } } }", inDef('struct', 'Foo', 1, "'data' member 'a' misses key 'type'")],
    ['member with unknown key', "{ 'struct': 'Foo', 'data': { 'a': { 'type': 'int', 'x': true } } }", inDef('struct', 'Foo', 1, "'data' member 'a' has unknown key 'x'\nValid keys are 'features', 'if', 'type'.")],
    ['member type is an object', "{ 'struct': 'Foo', 'data': { 'a': { 'type': { 'b': 'int' } } } }", inDef('struct', 'Foo', 1, "'data' member 'a' should be a type name or array")],
    ['array of two types', "{ 'struct': 'Foo', 'data': { 'a': [ 'int', 'str' ] } }", inDef('struct', 'Foo', 1, "'data' member 'a': array type must contain single type name")],
    ['empty array type', "{ 'command': 'foo', 'data': { 'a': [] } }", inDef('command', 'foo', 1, "'data' member 'a': array type must contain single type name")],
    ['struct data not an object', "{ 'struct': 'Foo', 'data': [ 'a' ] }", inDef('struct', 'Foo', 1, "'data' should be an object or type name")],
    ['struct data a type name', "{ 'struct': 'Foo', 'data': 'Bar' }", inDef('struct', 'Foo', 1, "'data' should be an object or type name")],
    ['command data not an object', "{ 'command': 'foo', 'data': [ 'a' ] }", inDef('command', 'foo', 1, "'data' should be an object or type name")],
    ['unknown member type', "{ 'struct': 'Foo', 'data': { 'm': 'Nope' } }", inDef('struct', 'Foo', 1, "member 'm' uses unknown type 'Nope'")],
    ['unknown parameter type', "{ 'command': 'foo', 'data': { 'm': 'Nope' } }", inDef('command', 'foo', 1, "parameter 'm' uses unknown type 'Nope'")],
    ['unknown array element type', "{ 'struct': 'Foo', 'data': { 'm': [ 'Nope' ] } }", inDef('struct', 'Foo', 1, "struct uses unknown type 'Nope'")],
    ['member clashes with base member', "{ 'struct': 'Base', 'data': { 'a': 'int' } }\n{ 'struct': 'Sub', 'base': 'Base', 'data': { 'a': 'str' } }", inDef('struct', 'Sub', 2, "member 'a' collides with member 'a' of type 'Base'")],
  ]);

  it('C keywords are fine as member names (c_name protects them)', () => {
    const out = dumpOf("{ 'struct': 'Foo', 'data': { 'if': 'int', 'default': 'str', '*class': 'bool' } }");
    expect(lines(out)).toEqual(expect.arrayContaining(['    member if: int optional=False', '    member class: bool optional=True']));
  });

  it("members that map to the same C name clash ('a-b' vs 'a_b')", () => {
    const pragma = "{ 'pragma': { 'member-name-exceptions': [ 'Foo' ] } }\n";
    expect(errorOf(pragma + "{ 'struct': 'Foo', 'data': { 'a-b': 'int', 'a_b': 'str' } }")).toBe(
      inDef('struct', 'Foo', 2, "member 'a_b' collides with member 'a-b'"),
    );
  });

  it('a struct may refer to itself through a member (no embedding)', () => {
    accept("{ 'struct': 'Node', 'data': { '*next': 'Node', 'kids': [ 'Node' ] } }");
  });
});

describe('base types and cycles', () => {
  table([
    ['base not a string', "{ 'struct': 'Foo', 'base': [ 'Bar' ], 'data': {} }", inDef('struct', 'Foo', 1, "'base' should be a type name")],
    ['unknown base', "{ 'struct': 'Foo', 'base': 'Nope', 'data': {} }", inDef('struct', 'Foo', 1, "'base' uses unknown type 'Nope'")],
    ['enum base', "{ 'enum': 'En', 'data': [] }\n{ 'struct': 'Foo', 'base': 'En', 'data': {} }", inDef('struct', 'Foo', 2, "'base' requires a struct type, enum type 'En' isn't")],
    ['built-in base', "{ 'struct': 'Foo', 'base': 'str', 'data': {} }", inDef('struct', 'Foo', 1, "'base' requires a struct type, built-in type 'str' isn't")],
    ['direct base cycle', "{ 'struct': 'Loop', 'base': 'Loop', 'data': {} }", inDef('struct', 'Loop', 1, 'object Loop contains itself')],
    ['indirect base cycle', "{ 'struct': 'Aaa', 'base': 'Bbb', 'data': {} }\n{ 'struct': 'Bbb', 'base': 'Ccc', 'data': {} }\n{ 'struct': 'Ccc', 'base': 'Aaa', 'data': {} }", inDef('struct', 'Aaa', 1, 'object Aaa contains itself')],
  ]);
});

describe("'if' conditions", () => {
  table([
    ['lowercase name', "{ 'struct': 'Foo', 'data': {}, 'if': 'lower' }", inDef('struct', 'Foo', 1, "'if' condition 'lower' of struct is not a valid identifier")],
    ['empty name', "{ 'struct': 'Foo', 'data': {}, 'if': '' }", inDef('struct', 'Foo', 1, "'if' condition '' of struct is not a valid identifier")],
    ['a list', "{ 'struct': 'Foo', 'data': {}, 'if': [ 'A' ] }", inDef('struct', 'Foo', 1, "'if' condition of struct must be a string or an object")],
    ['a boolean', "{ 'command': 'foo', 'if': true }", inDef('command', 'foo', 1, "'if' condition of command must be a string or an object")],
    ['unknown operator', "{ 'struct': 'Foo', 'data': {}, 'if': { 'xor': [ 'A' ] } }", inDef('struct', 'Foo', 1, "'if' condition of struct has unknown key 'xor'\nValid keys are 'all', 'any', 'not'.")],
    ['two operators', "{ 'struct': 'Foo', 'data': {}, 'if': { 'all': [ 'A' ], 'any': [ 'B' ] } }", inDef('struct', 'Foo', 1, "'if' condition of struct has conflicting keys")],
    ['no operator', "{ 'struct': 'Foo', 'data': {}, 'if': {} }", inDef('struct', 'Foo', 1, "'if' condition of struct has conflicting keys")],
    ["'all' not an array", "{ 'struct': 'Foo', 'data': {}, 'if': { 'all': 'A' } }", inDef('struct', 'Foo', 1, "'all' condition of struct must be an array")],
    ["empty 'any'", "{ 'struct': 'Foo', 'data': {}, 'if': { 'any': [] } }", inDef('struct', 'Foo', 1, "'if' condition [] of struct is useless")],
    ['bad operand deep inside', "{ 'event': 'EV', 'if': { 'all': [ 'A', { 'not': 'b' } ] } }", inDef('event', 'EV', 1, "'if' condition 'b' of event is not a valid identifier")],
    ['on a member', "{ 'struct': 'Foo', 'data': { 'm': { 'type': 'int', 'if': 'x' } } }", inDef('struct', 'Foo', 1, "'if' condition 'x' of 'data' member 'm' is not a valid identifier")],
    ['on an enum value', "{ 'enum': 'En', 'data': [ { 'name': 'v', 'if': [] } ] }", inDef('enum', 'En', 1, "'if' condition of 'data' member 'v' must be a string or an object")],
    ['on a union branch', "{ 'union': 'Uni', 'base': { 'k': 'En' }, 'discriminator': 'k', 'data': { 'a': { 'type': 'Foo', 'if': '1X' } } }", inDef('union', 'Uni', 1, "'if' condition '1X' of 'data' member 'a' is not a valid identifier")],
  ]);

  it('prints nested conditions as QEMU does', () => {
    const out = lines(dumpOf("{ 'struct': 'Foo', 'data': { 'm': { 'type': 'int', 'if': { 'any': [ 'A', { 'not': 'B' } ] } } }, 'if': { 'all': [ 'CONFIG_X', 'Y_2' ] } }"));
    expect(out).toEqual(
      expect.arrayContaining(["        if {'any': ['A', {'not': 'B'}]}", "    if {'all': ['CONFIG_X', 'Y_2']}"]),
    );
  });
});

describe('features', () => {
  table([
    ['not an array', "{ 'struct': 'Foo', 'data': {}, 'features': 'feat' }", inDef('struct', 'Foo', 1, "'features' must be an array")],
    ['name not a string', "{ 'struct': 'Foo', 'data': {}, 'features': [ [ 'feat' ] ] }", inDef('struct', 'Foo', 1, "'features' member requires a string name")],
    ['missing name', "{ 'struct': 'Foo', 'data': {}, 'features': [ { 'if': 'X' } ] }", inDef('struct', 'Foo', 1, "'features' member misses key 'name'")],
    ['unknown key', "{ 'command': 'foo', 'features': [ { 'name': 'f', 'x': true } ] }", inDef('command', 'foo', 1, "'features' member has unknown key 'x'\nValid keys are 'if', 'name'.")],
    ['uppercase name', "{ 'command': 'foo', 'features': [ 'Feat' ] }", inDef('command', 'foo', 1, "name of 'features' member 'Feat' must not use uppercase or '_'")],
    ['bad condition', "{ 'command': 'foo', 'features': [ { 'name': 'f', 'if': 'lower' } ] }", inDef('command', 'foo', 1, "'if' condition 'lower' of 'features' member 'f' is not a valid identifier")],
    ['duplicate', "{ 'command': 'foo', 'features': [ 'feat', 'feat' ] }", inDef('command', 'foo', 1, "feature 'feat' collides with feature 'feat'")],
    ['duplicate on a member', "{ 'struct': 'Foo', 'data': { 'm': { 'type': 'int', 'features': [ 'a-b', 'a-b' ] } } }", inDef('struct', 'Foo', 1, "feature 'a-b' collides with feature 'a-b'")],
    ['on a member, bad name', "{ 'struct': 'Foo', 'data': { 'm': { 'type': 'int', 'features': [ 'X' ] } } }", inDef('struct', 'Foo', 1, "name of 'features' member 'X' must not use uppercase or '_'")],
    ["'deprecated' on a type", "{ 'struct': 'Foo', 'data': {}, 'features': [ 'deprecated' ] }", inDef('struct', 'Foo', 1, "feature 'deprecated' is not supported for types")],
    ["'unstable' on a type", "{ 'enum': 'En', 'data': [], 'features': [ 'unstable' ] }", inDef('enum', 'En', 1, "feature 'unstable' is not supported for types")],
  ]);

  it("'deprecated'/'unstable' are fine on commands, events, members and enum values", () => {
    const out = lines(
      dumpOf(
        "{ 'enum': 'En', 'data': [ { 'name': 'v', 'features': [ 'deprecated' ] } ] }\n" +
          "{ 'struct': 'Foo', 'data': { 'm': { 'type': 'En', 'features': [ 'unstable' ] } } }\n" +
          "{ 'command': 'foo', 'features': [ 'deprecated', { 'name': 'fancy', 'if': 'X' } ] }\n" +
          "{ 'event': 'EV', 'features': [ 'unstable' ] }",
      ),
    );
    const at = (l: string): number => out.indexOf(l);
    expect(out[at('    member v') + 1]).toBe('        feature deprecated');
    expect(out[at('    member m: En optional=False') + 1]).toBe('        feature unstable');
    expect(out.slice(at('command foo None -> None'), at('command foo None -> None') + 5)).toEqual([
      'command foo None -> None',
      '    gen=True success_response=True boxed=False oob=False preconfig=False',
      '    feature deprecated',
      '    feature fancy',
      '        if X',
    ]);
  });

  it('at most 64 distinct features, counting deprecated and unstable', () => {
    const feats = (from: number, to: number): string =>
      Array.from({ length: to - from }, (_, i) => `'f${from + i}'`).join(', ');
    // 62 of our own plus the two special ones make 64.
    accept(`{ 'command': 'one', 'features': [ ${feats(0, 40)} ] }\n{ 'command': 'two', 'features': [ ${feats(30, 62)}, 'deprecated' ] }`);
    expect(errorOf(`{ 'command': 'one', 'features': [ ${feats(0, 40)} ] }\n{ 'command': 'two', 'features': [ ${feats(30, 63)} ] }`)).toBe(
      inDef('command', 'two', 2, 'Maximum of 64 schema features is permitted'),
    );
  });
});

describe('flags', () => {
  table([
    ['gen true', "{ 'command': 'foo', 'gen': true }", inDef('command', 'foo', 1, "flag 'gen' may only use false value")],
    ['success-response true', "{ 'command': 'foo', 'success-response': true }", inDef('command', 'foo', 1, "flag 'success-response' may only use false value")],
    ['boxed false', "{ 'command': 'foo', 'boxed': false }", inDef('command', 'foo', 1, "flag 'boxed' may only use true value")],
    ['allow-oob false', "{ 'command': 'foo', 'allow-oob': false }", inDef('command', 'foo', 1, "flag 'allow-oob' may only use true value")],
    ['allow-preconfig a string', "{ 'command': 'foo', 'allow-preconfig': 'yes' }", inDef('command', 'foo', 1, "flag 'allow-preconfig' may only use true value")],
    ['coroutine false', "{ 'command': 'foo', 'coroutine': false }", inDef('command', 'foo', 1, "flag 'coroutine' may only use true value")],
    ['event boxed false', "{ 'event': 'EV', 'boxed': false, 'data': 'Foo' }", inDef('event', 'EV', 1, "flag 'boxed' may only use true value")],
    ['oob and coroutine', "{ 'command': 'foo', 'allow-oob': true, 'coroutine': true }", inDef('command', 'foo', 1, "flags 'allow-oob' and 'coroutine' are incompatible")],
  ]);

  it('prints the flags of a command', () => {
    const out = lines(dumpOf("{ 'command': 'foo', 'gen': false, 'success-response': false, 'allow-oob': true, 'allow-preconfig': true }\n{ 'command': 'bar', 'coroutine': true }"));
    expect(out).toContain('    gen=False success_response=False boxed=False oob=True preconfig=True');
    expect(out).toContain('    gen=True success_response=True boxed=False oob=False preconfig=False coroutine=True');
  });
});

describe('enums', () => {
  table([
    ['data not an array', "{ 'enum': 'En', 'data': { 'a': 'int' } }", inDef('enum', 'En', 1, "'data' must be an array")],
    ['prefix not a string', "{ 'enum': 'En', 'data': [], 'prefix': [ 'P' ] }", inDef('enum', 'En', 1, "'prefix' must be a string")],
    ['value not a string', "{ 'enum': 'En', 'data': [ [ 'a' ] ] }", inDef('enum', 'En', 1, "'data' member requires a string name")],
    ['value misses name', "{ 'enum': 'En', 'data': [ { 'if': 'X' } ] }", inDef('enum', 'En', 1, "'data' member misses key 'name'")],
    ['value with unknown key', "{ 'enum': 'En', 'data': [ { 'name': 'a', 'type': 'int' } ] }", inDef('enum', 'En', 1, "'data' member has unknown key 'type'\nValid keys are 'features', 'if', 'name'.")],
    ['uppercase value', "{ 'enum': 'En', 'data': [ 'Value' ] }", inDef('enum', 'En', 1, "name of 'data' member 'Value' must not use uppercase or '_'")],
    ['invalid value', "{ 'enum': 'En', 'data': [ 'a b' ] }", inDef('enum', 'En', 1, "'data' member 'a b' has an invalid name")],
    ['q- value', "{ 'enum': 'En', 'data': [ 'q-x' ] }", inDef('enum', 'En', 1, "'data' member 'q-x' has an invalid name")],
    ['duplicate value', "{ 'enum': 'En', 'data': [ 'one', 'two', 'one' ] }", inDef('enum', 'En', 1, "value 'one' collides with value 'one'")],
    ['feature on a value', "{ 'enum': 'En', 'data': [ { 'name': 'a', 'features': 'f' } ] }", inDef('enum', 'En', 1, "'features' must be an array")],
  ]);

  it('values may start with a digit', () => {
    const out = lines(dumpOf("{ 'enum': 'En', 'data': [ '1x', '2', 'x-y' ], 'prefix': 'PFX' }"));
    expect(out.slice(out.indexOf('enum En'), out.indexOf('enum En') + 5)).toEqual(['enum En', '    prefix PFX', '    member 1x', '    member 2', '    member x-y']);
  });

  it("member-name-exceptions lets values use uppercase and '_'", () => {
    accept("{ 'pragma': { 'member-name-exceptions': [ 'En' ] } }\n{ 'enum': 'En', 'data': [ 'A_B' ] }");
  });
});

describe('unions', () => {
  const base = "{ 'enum': 'Kind', 'data': [ 'a', 'b' ] }\n{ 'struct': 'Br', 'data': { 'x': 'int' } }\n";
  table([
    ['discriminator not a string', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': [ 'kind' ], 'data': {} }", inDef('union', 'Uni', 3, "'discriminator' requires a string name")],
    ['data not an object', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': [] }", inDef('union', 'Uni', 3, "'data' must be an object")],
    ['base not an object or name', base + "{ 'union': 'Uni', 'base': [ 'Br' ], 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 3, "'base' should be an object or type name")],
    ['branch type an array', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': [ 'Br' ] } }", inDef('union', 'Uni', 3, "'data' member 'a' should be a type name")],
    ['branch unknown key', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': { 'type': 'Br', 'x': true } } }", inDef('union', 'Uni', 3, "'data' member 'a' has unknown key 'x'\nValid keys are 'if', 'type'.")],
    ['discriminator not in base', base + "{ 'union': 'Uni', 'base': { 'type': 'Kind' }, 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 3, "discriminator 'kind' is not a member of 'base'")],
    ['discriminator written with *', base + "{ 'union': 'Uni', 'base': { '*kind': 'Kind' }, 'discriminator': '*kind', 'data': {} }", inDef('union', 'Uni', 3, "discriminator '*kind' is not a member of 'base'")],
    ['discriminator not an enum', base + "{ 'union': 'Uni', 'base': { 'kind': 'str' }, 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 3, "discriminator member 'kind' of 'base' must be of enum type")],
    ['discriminator of a named base not an enum', base + "{ 'struct': 'Base', 'data': { 'kind': 'int' } }\n{ 'union': 'Uni', 'base': 'Base', 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 4, "discriminator member 'kind' of base type 'Base' must be of enum type")],
    ['optional discriminator', base + "{ 'union': 'Uni', 'base': { '*kind': 'Kind' }, 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 3, "discriminator member 'kind' of 'base' must not be optional")],
    ['conditional discriminator', base + "{ 'union': 'Uni', 'base': { 'kind': { 'type': 'Kind', 'if': 'X' } }, 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 3, "discriminator member 'kind' of 'base' must not be conditional")],
    ['branch not a value', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'c': 'Br' } }", inDef('union', 'Uni', 3, "branch 'c' is not a value of enum type 'Kind'")],
    ['branch of a built-in type', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': 'int' } }", inDef('union', 'Uni', 3, "branch 'a' cannot use built-in type 'int'")],
    ['branch of an enum type', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': 'Kind' } }", inDef('union', 'Uni', 3, "branch 'a' cannot use enum type 'Kind'")],
    ['branch of unknown type', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': 'Nope' } }", inDef('union', 'Uni', 3, "branch 'a' uses unknown type 'Nope'")],
    ['no branches at all', "{ 'enum': 'Empty', 'data': [] }\n{ 'union': 'Uni', 'base': { 'kind': 'Empty' }, 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 2, 'union has no branches')],
    ['branch member clashes with inline base', base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind', 'x': 'str' }, 'discriminator': 'kind', 'data': { 'a': 'Br' } }", inDef('union', 'Uni', 3, "member 'x' of type 'Br' collides with base member 'x'")],
    ['branch member clashes with named base', base + "{ 'struct': 'Base', 'data': { 'kind': 'Kind', 'x': 'str' } }\n{ 'union': 'Uni', 'base': 'Base', 'discriminator': 'kind', 'data': { 'b': 'Br' } }", inDef('union', 'Uni', 4, "member 'x' of type 'Br' collides with member 'x' of type 'Base'")],
    ['base is a union', base + "{ 'union': 'Uone', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': {} }\n{ 'union': 'Utwo', 'base': 'Uone', 'discriminator': 'kind', 'data': {} }", inDef('union', 'Utwo', 4, "'base' requires a struct type, union type 'Uone' isn't")],
    ['unknown base', base + "{ 'union': 'Uni', 'base': 'Nope', 'discriminator': 'kind', 'data': {} }", inDef('union', 'Uni', 3, "'base' uses unknown type 'Nope'")],
  ]);

  it('fills branches left implicit with q_empty, and builds q_obj_NAME-base', () => {
    const out = lines(dumpOf(base + "{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': 'Br' } }"));
    const at = out.indexOf('object Uni');
    expect(out).toContain('object q_obj_Uni-base');
    expect(out.slice(at, at + 5)).toEqual(['object Uni', '    base q_obj_Uni-base', '    tag kind', '    case a: Br', '    case b: q_empty']);
  });

  it('branches may reuse member names of other branches', () => {
    accept(base + "{ 'struct': 'Br2', 'data': { 'x': 'str' } }\n{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': { 'a': 'Br', 'b': 'Br2' } }");
  });
});

describe('alternates', () => {
  table([
    ['empty data', "{ 'alternate': 'Alt', 'data': {} }", inDef('alternate', 'Alt', 1, "'data' must not be empty")],
    ['data not an object', "{ 'alternate': 'Alt', 'data': [ 'a' ] }", inDef('alternate', 'Alt', 1, "'data' must be an object")],
    ['uppercase branch', "{ 'alternate': 'Alt', 'data': { 'A': 'int' } }", inDef('alternate', 'Alt', 1, "name of 'data' member 'A' must not use uppercase or '_'")],
    ['branch misses type', "{ 'alternate': 'Alt', 'data': { 'a': { 'if': 'X' } } }", inDef('alternate', 'Alt', 1, "'data' member 'a' misses key 'type'")],
    ['branch of unknown type', "{ 'alternate': 'Alt', 'data': { 'a': 'Nope' } }", inDef('alternate', 'Alt', 1, "branch 'a' uses unknown type 'Nope'")],
    ["branch of type 'any'", "{ 'alternate': 'Alt', 'data': { 'a': 'any' } }", inDef('alternate', 'Alt', 1, "branch 'a' cannot use built-in type 'any'")],
    ['nested alternate', "{ 'alternate': 'Alt0', 'data': { 'i': 'int' } }\n{ 'alternate': 'Alt', 'data': { 'a': 'Alt0' } }", inDef('alternate', 'Alt', 2, "branch 'a' cannot use alternate type 'Alt0'")],
    ['two integer types', "{ 'alternate': 'Alt', 'data': { 'a': 'int', 'b': 'uint8' } }", inDef('alternate', 'Alt', 1, "branch 'b' can't be distinguished from 'a'")],
    ['number and int', "{ 'alternate': 'Alt', 'data': { 'a': 'number', 'b': 'int' } }", inDef('alternate', 'Alt', 1, "branch 'b' can't be distinguished from 'a'")],
    ['str and bool', "{ 'alternate': 'Alt', 'data': { 'a': 'bool', 'b': 'str' } }", inDef('alternate', 'Alt', 1, "branch 'b' can't be distinguished from 'a'")],
    ['two objects', "{ 'struct': 'Foo', 'data': {} }\n{ 'alternate': 'Alt', 'data': { 'a': 'Foo', 'b': 'q_empty' } }", inDef('alternate', 'Alt', 2, "branch 'b' can't be distinguished from 'a'")],
    ['two arrays', "{ 'alternate': 'Alt', 'data': { 'a': [ 'int' ], 'b': [ 'str' ] } }", inDef('alternate', 'Alt', 1, "branch 'b' can't be distinguished from 'a'")],
    ['enum with a numeric-looking value and int', "{ 'enum': 'En', 'data': [ 'auto', '1k' ] }\n{ 'alternate': 'Alt', 'data': { 'n': 'int', 'e': 'En' } }", inDef('alternate', 'Alt', 2, "branch 'e' can't be distinguished from 'n'")],
    ["enum with 'off' and bool", "{ 'enum': 'En', 'data': [ 'on', 'off' ] }\n{ 'alternate': 'Alt', 'data': { 'e': 'En', 'b': 'bool' } }", inDef('alternate', 'Alt', 2, "branch 'b' can't be distinguished from 'e'")],
  ]);

  it('accepts branches of distinguishable kinds', () => {
    const out = lines(
      dumpOf(
        "{ 'enum': 'En', 'data': [ 'auto', 'never' ] }\n{ 'struct': 'Foo', 'data': {} }\n" +
          "{ 'alternate': 'Alt', 'data': { 'e': 'En', 'n': 'int', 'b': 'bool', 'z': 'null', 'o': 'Foo', 'l': [ 'str' ] } }",
      ),
    );
    const at = out.indexOf('alternate Alt');
    expect(out.slice(at, at + 8)).toEqual([
      'alternate Alt',
      '    tag type',
      '    case e: En',
      '    case n: int',
      '    case b: bool',
      '    case z: null',
      '    case o: Foo',
      '    case l: strList',
    ]);
  });
});

describe('commands and events', () => {
  table([
    ['returns an object', "{ 'command': 'foo', 'returns': { 'a': 'int' } }", inDef('command', 'foo', 1, "'returns' should be a type name or array")],
    ['returns an array of two', "{ 'command': 'foo', 'returns': [ 'int', 'str' ] }", inDef('command', 'foo', 1, "'returns': array type must contain single type name")],
    ['returns an unknown type', "{ 'command': 'foo', 'returns': 'Nope' }", inDef('command', 'foo', 1, "command's 'returns' uses unknown type 'Nope'")],
    ['returns a built-in', "{ 'command': 'foo', 'returns': 'str' }", inDef('command', 'foo', 1, "command's 'returns' cannot take built-in type 'str'")],
    ['returns an array of built-ins', "{ 'command': 'foo', 'returns': [ 'int' ] }", inDef('command', 'foo', 1, "command's 'returns' cannot take array type ['int']")],
    ['returns an enum', "{ 'enum': 'En', 'data': [] }\n{ 'command': 'foo', 'returns': 'En' }", inDef('command', 'foo', 2, "command's 'returns' cannot take enum type 'En'")],
    ['data of unknown type', "{ 'command': 'foo', 'data': 'Nope' }", inDef('command', 'foo', 1, "command's 'data' uses unknown type 'Nope'")],
    ['event data of unknown type', "{ 'event': 'EV', 'data': 'Nope' }", inDef('event', 'EV', 1, "event's 'data' uses unknown type 'Nope'")],
    ['data an enum', "{ 'enum': 'En', 'data': [] }\n{ 'command': 'foo', 'data': 'En' }", inDef('command', 'foo', 2, "command's 'data' cannot take enum type 'En'")],
    ['data an alternate', "{ 'alternate': 'Alt', 'data': { 'a': 'int' } }\n{ 'event': 'EV', 'data': 'Alt' }", inDef('event', 'EV', 2, "event's 'data' cannot take alternate type 'Alt'")],
    ['data a union without boxed', "{ 'enum': 'Kind', 'data': [ 'a' ] }\n{ 'union': 'Uni', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind', 'data': {} }\n{ 'command': 'foo', 'data': 'Uni' }", inDef('command', 'foo', 3, "command's 'data' can take union type 'Uni' only with 'boxed': true")],
    ['boxed without data', "{ 'command': 'foo', 'boxed': true }", inDef('command', 'foo', 1, "'boxed': true requires 'data'")],
    ['boxed event without data', "{ 'event': 'EV', 'boxed': true }", inDef('event', 'EV', 1, "'boxed': true requires 'data'")],
    ['boxed with inline data', "{ 'command': 'foo', 'boxed': true, 'data': { 'a': 'int' } }", inDef('command', 'foo', 1, "'data' should be a type name")],
    ['conditional arguments without boxed', "{ 'command': 'foo', 'data': { 'a': { 'type': 'int', 'if': 'X' } } }", inDef('command', 'foo', 1, "conditional command arguments require 'boxed': true")],
    ['conditional event arguments without boxed', "{ 'struct': 'Args', 'data': { 'a': { 'type': 'int', 'if': 'X' } } }\n{ 'event': 'EV', 'data': 'Args' }", inDef('event', 'EV', 2, "conditional event arguments require 'boxed': true")],
  ]);

  it('accepts object returns, arrays of objects, boxed arguments; builds q_obj_NAME-arg', () => {
    const out = lines(
      dumpOf(
        "{ 'struct': 'Info', 'data': { '*a': { 'type': 'int', 'if': 'X' } } }\n" +
          "{ 'command': 'get', 'data': { 'id': 'str', '*verbose': 'bool' }, 'returns': [ 'Info' ] }\n" +
          "{ 'command': 'boxed', 'data': 'Info', 'boxed': true, 'returns': 'Info' }\n" +
          "{ 'event': 'EV', 'data': { 'n': 'int' } }",
      ),
    );
    expect(out).toContain('command get q_obj_get-arg -> InfoList');
    expect(out).toContain('array InfoList Info');
    expect(out).toContain('    member verbose: bool optional=True');
    expect(out).toContain('command boxed Info -> Info');
    expect(out).toContain('    gen=True success_response=True boxed=True oob=False preconfig=False');
    expect(out).toContain('event EV q_obj_EV-arg');
  });

  it('a command without arguments has none; empty inline arguments make no implicit type', () => {
    const out = lines(dumpOf("{ 'command': 'ping', 'data': {} }"));
    expect(out).toContain('command ping None -> None');
    expect(out.some((l) => l.includes('q_obj_ping-arg'))).toBe(false);
  });
});

/**
 * Reference for QAPI member names, written from the rules in
 * qapi-code-gen.rst rather than from the implementation's regex: an
 * optional '__RFQDN_' prefix, an optional 'x-', then a letter followed by
 * letters, digits, '-' and '_'; the C name must not start with 'q_';
 * member names use no uppercase and no '_'; 'u' and 'has-*' are reserved.
 */
function referenceMemberVerdict(raw: string): 'ok' | 'invalid' | 'case' | 'reserved' {
  const name = raw.startsWith('*') ? raw.slice(1) : raw;
  const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const isDigit = (c: string): boolean => c >= '0' && c <= '9';
  const stemOk = (s: string): boolean => s.length > 0 && isAlpha(s[0]!) && [...s].every((c) => isAlpha(c) || isDigit(c) || c === '-' || c === '_');
  const stems: string[] = [];
  // Every way to split off an optional vendor prefix and an optional 'x-'.
  const afterVendor: string[] = [name];
  if (name.startsWith('__')) {
    for (let end = 3; end < name.length; end++) {
      const rfqdn = name.slice(2, end);
      if (name[end] === '_' && [...rfqdn].every((c) => isAlpha(c) || isDigit(c) || c === '.' || c === '-')) afterVendor.push(name.slice(end + 1));
    }
  }
  for (const rest of afterVendor) {
    stems.push(rest);
    if (rest.slice(0, 2).toLowerCase() === 'x-') stems.push(rest.slice(2));
  }
  const okStems = stems.filter(stemOk);
  const cname = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!okStems.length || cname.startsWith('q_')) return 'invalid';
  // QEMU's regex prefers taking the prefixes, so its stem is the shortest candidate.
  const stem = okStems.reduce((a, b) => (b.length < a.length ? b : a));
  if (/[A-Z_]/.test(stem)) return 'case';
  if (cname === 'u' || cname.startsWith('has_')) return 'reserved';
  return 'ok';
}

describe('property: member names against a reference predicate', () => {
  const info = SourceInfo.forFile('prop.json', null);
  function verdict(member: string): string {
    const expr = new Map<string, unknown>([
      ['struct', 'Foo'],
      ['data', new Map([[member, 'int']])],
    ]);
    try {
      checkExprs([{ expr: expr as never, info: info.atLine(1), doc: null }]);
      return 'ok';
    } catch (err) {
      if (!(err instanceof QapiSemError)) throw err;
      if (err.msg.endsWith('has an invalid name')) return 'invalid';
      if (err.msg.endsWith("must not use uppercase or '_'")) return 'case';
      if (err.msg.endsWith('uses reserved name')) return 'reserved';
      return `other: ${err.msg}`;
    }
  }

  it('the checker agrees with the reference on random names', () => {
    const alphabet = fc.constantFrom('a', 'b', 'x', 'q', 'u', 'h', 's', 'A', 'X', '0', '9', '-', '_', '.', '*', '!', ' ', '__', 'x-', 'has-', 'q-');
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 1, maxLength: 8 }).map((a) => a.join('')), (name) => {
        expect(verdict(name)).toBe(referenceMemberVerdict(name));
      }),
      { numRuns: 3000, seed: 2024 },
    );
  });

  it.each([
    ['abc', 'ok'],
    ['*abc', 'ok'],
    ['x-abc', 'ok'],
    ['__org.qemu_abc', 'ok'],
    ['__org.qemu_x-abc', 'ok'],
    ['a_b', 'case'],
    ['aB', 'case'],
    ['u', 'reserved'],
    ['has-x', 'reserved'],
    ['q-x', 'invalid'],
    ['1a', 'invalid'],
    ['', 'invalid'],
  ])('%s: %s', (name, expected) => {
    expect(referenceMemberVerdict(name)).toBe(expected);
    expect(verdict(name)).toBe(expected);
  });
});

describe('property: c_name clashes', () => {
  // member-name-exceptions lets enum values use '_', so 'a-b' and 'a_b' can both be written.
  const pragma = "{ 'pragma': { 'member-name-exceptions': [ 'Foo' ] } }\n";
  const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/).filter((n) => !/^q[-_]/.test(n));
  const check = (a: string, b: string): void => {
    expect(cName(a)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    const sameC = a.replace(/-/g, '_') === b.replace(/-/g, '_');
    const r = errorOrNull(pragma + `{ 'enum': 'Foo', 'data': [ '${a}', '${b}' ] }`);
    if (sameC) expect(r).toBe(inDef('enum', 'Foo', 2, `value '${b}' collides with value '${a}'`));
    else expect(r).toBeNull();
  };

  it("names differing only in '-' vs '_' clash", () => {
    const pair = fc
      .tuple(name, fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }))
      .map(([a, flips]) => [a, [...a].map((c, i) => (flips[i] && c === '-' ? '_' : flips[i] && c === '_' ? '-' : c)).join('')] as const);
    fc.assert(fc.property(pair, ([a, b]) => check(a, b)), { numRuns: 150, seed: 99 });
  });

  it('other distinct names do not clash', () => {
    fc.assert(fc.property(name, name, (a, b) => check(a, b)), { numRuns: 150, seed: 100 });
  });
});

function errorOrNull(schema: string): string | null {
  return load(schema).error;
}
