"""
Runs QEMU's own QAPI generator (../shared/qemu-generator) on a schema and
prints the qapi-introspect.c it makes: the oracle of the introspection test.

    python3 qemu-introspect.py SCRIPTS_DIR SCHEMA [--unmask] [--lenient-docs]

It does what `qapi-gen.py -o DIR SCHEMA` does for introspection (read and
check the schema, then the introspection backend), without the other
backends, which the test does not read.

--lenient-docs: QEMU 10.2.2's generator rejects the 7.2.0 and 10.0.13
schemas for their doc comments only (line length, sentence spacing, the
old 'Note:'/'Example:' sections, undocumented members). Doc comments have
no bearing on introspection, so these rules are relaxed here: the rest of
the front end runs as it is.
"""

import os
import re
import sys
import tempfile


def main() -> int:
    scripts, schema_path = sys.argv[1], sys.argv[2]
    flags = set(sys.argv[3:])
    sys.path.insert(0, scripts)
    from qapi import parser
    from qapi.error import QAPIError
    from qapi.introspect import gen_introspect
    from qapi.schema import QAPISchema

    if '--lenient-docs' in flags:
        schema_parser, doc = parser.QAPISchemaParser, parser.QAPIDoc
        schema_parser._validate_doc_line_format = lambda self, line: None
        get_doc_line = schema_parser.get_doc_line

        def doc_line(self):
            line = get_doc_line(self)
            # An old-style section heading becomes a plain line ('::' is rST).
            return None if line is None else re.sub(r'^(Notes?|Examples?):', r'\1::', line)

        schema_parser.get_doc_line = doc_line
        doc.end = lambda self: None
        doc.check_expr = lambda self, expr: None
        doc.check = lambda self: None

        def tolerant(method):
            def call(self, *args):
                try:
                    method(self, *args)
                except QAPIError:
                    pass
            return call

        doc.connect_member = tolerant(doc.connect_member)
        doc.connect_feature = tolerant(doc.connect_feature)

    try:
        schema = QAPISchema(schema_path)
        with tempfile.TemporaryDirectory() as out:
            gen_introspect(schema, out, '', '--unmask' in flags)
            with open(os.path.join(out, 'qapi-introspect.c'), encoding='utf-8') as f:
                sys.stdout.write(f.read())
    except QAPIError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
