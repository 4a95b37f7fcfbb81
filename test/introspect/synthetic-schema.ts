/**
 * A small schema with conditions at every place QEMU's introspection keeps
 * one (entity, member, enum value, union branch, alternative, feature),
 * nested all/any/not (one-operand groups included), implicit types, an
 * inline union base, an omitted branch (the empty type), arrays of
 * conditional types, integer types folded into `int`, and types nothing
 * uses. Both generators read it; the real schemas have no nesting.
 */
export const SYNTHETIC_FILES: Record<string, string> = {
  'synthetic.json': `
{ 'pragma': { 'command-returns-exceptions': [ 'cmd-boxed', 'cmd-ret-str', 'cmd-ret-ints' ] } }
{ 'include': 'sub/types.json' }

{ 'command': 'cmd-simple' }
{ 'command': 'cmd-args',
  'data': { 'a': 'Alt', '*b': 'Uni', 'c': { 'type': [ 'Color' ], 'features': [ 'deprecated' ] },
            '*d': 'uint16', 'e': [ 'size' ] },
  'returns': 'BranchA', 'allow-oob': true,
  'features': [ { 'name': 'unstable', 'if': 'CONFIG_UNSTABLE' }, 'feat-cmd' ] }
{ 'command': 'cmd-boxed', 'data': 'Uni2', 'boxed': true,
  'if': { 'all': [ 'CONFIG_A', 'CONFIG_B' ] }, 'returns': [ 'uint8' ] }
{ 'command': 'cmd-ret-str', 'returns': 'str', 'if': 'CONFIG_STR' }
{ 'command': 'cmd-ret-ints', 'returns': [ 'int64' ] }
{ 'command': 'cmd-cond-args', 'data': 'CondArgs', 'boxed': true,
  'if': { 'not': { 'any': [ 'CONFIG_X', { 'all': [ 'CONFIG_Y', { 'not': 'CONFIG_Z' } ] } ] } } }
{ 'command': 'cmd-list', 'returns': [ 'BranchB' ], 'if': 'CONFIG_B' }
{ 'command': 'cmd-any', 'data': { 'v': 'any', 'w': 'null', 'x': 'number', 'y': 'bool' },
  'if': { 'any': [ 'CONFIG_ONE' ] } }

{ 'event': 'EV_SIMPLE' }
{ 'event': 'EV_DATA', 'data': { 'uni': 'Uni', 'n': 'number', '*k': 'Kind' },
  'if': { 'any': [ { 'all': [ 'A', 'B' ] }, { 'not': { 'all': [ 'C' ] } } ] } }
{ 'event': 'EV_BOXED', 'data': 'Uni2', 'boxed': true, 'features': [ 'deprecated' ] }
`,
  'sub/types.json': `
{ 'enum': 'Color',
  'data': [ 'red',
            { 'name': 'green', 'if': 'HAVE_GREEN' },
            { 'name': 'blue', 'if': { 'not': 'NO_BLUE' },
              'features': [ 'deprecated', { 'name': 'unstable', 'if': 'CONFIG_U' } ] } ] }
{ 'enum': 'Kind',
  'data': [ 'a', 'b',
            { 'name': 'c', 'if': { 'all': [ 'CONFIG_A', { 'any': [ 'CONFIG_B', { 'not': 'CONFIG_C' } ] } ] } } ],
  'if': { 'any': [ 'CONFIG_A', 'CONFIG_D' ] },
  'features': [ 'feat-e', { 'name': 'feat-f', 'if': { 'all': [ 'CONFIG_F' ] } } ] }
{ 'struct': 'Base',
  'data': { 'kind': 'Kind', '*opt': 'int8',
            'num': { 'type': 'uint64', 'if': 'CONFIG_NUM',
                     'features': [ { 'name': 'feat-m', 'if': { 'not': { 'any': [ 'X', 'Y' ] } } } ] } },
  'if': { 'any': [ 'CONFIG_A', 'CONFIG_D' ] } }
{ 'struct': 'BranchA', 'data': { 'x': 'str', '*list': [ 'Color' ] }, 'features': [ 'feat-a' ] }
{ 'struct': 'BranchB', 'data': { 'y': [ 'int32' ], 'z': 'size' }, 'if': 'CONFIG_B' }
{ 'union': 'Uni',
  'base': { 'kind': 'Kind', '*tag2': 'bool' },
  'discriminator': 'kind',
  'data': { 'a': 'BranchA', 'b': { 'type': 'BranchB', 'if': 'CONFIG_B' } },
  'features': [ 'feat-u' ] }
{ 'union': 'Uni2', 'base': 'Base', 'discriminator': 'kind', 'data': { 'a': 'BranchA' } }
{ 'alternate': 'Alt',
  'data': { 'n': 'number', 'e': { 'type': 'Color', 'if': 'CONFIG_S' }, 'o': 'BranchA',
            'l': [ 'int' ], 'nul': 'null', 'b': { 'type': 'bool', 'if': { 'any': [ 'P', 'Q' ] } } },
  'if': { 'not': 'CONFIG_NOALT' }, 'features': [ { 'name': 'feat-alt', 'if': 'CONFIG_FA' } ] }
{ 'struct': 'CondArgs',
  'data': { 'p': { 'type': 'int', 'if': 'P' }, '*q': { 'type': 'Kind', 'if': { 'not': 'Q' } },
            'r': 'Derived' } }
{ 'struct': 'Derived', 'base': 'BranchA', 'data': { 'extra': { 'type': 'Base', 'if': 'CONFIG_A' } } }
{ 'struct': 'Unused', 'data': { 'x': 'int' } }
{ 'enum': 'UnusedEnum', 'data': [ 'x' ] }
`,
};
