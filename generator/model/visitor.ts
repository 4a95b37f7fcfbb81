/**
 * The visitor over the schema model, after QEMU's QAPISchemaVisitor.
 * Emitters implement the methods they need; `visitNeeded` filters entities.
 */
import type {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaEntity,
  SchemaEnumType,
  SchemaEvent,
  SchemaInclude,
  SchemaModule,
  SchemaObjectType,
} from './entities.js';
import type { QapiSchema } from './schema.js';

export interface SchemaVisitor {
  visitBegin?(schema: QapiSchema): void;
  visitEnd?(): void;
  visitModule?(module: SchemaModule): void;
  visitNeeded?(entity: SchemaEntity): boolean;
  visitInclude?(include: SchemaInclude): void;
  visitBuiltinType?(type: SchemaBuiltinType): void;
  visitEnumType?(type: SchemaEnumType): void;
  visitArrayType?(type: SchemaArrayType): void;
  visitObjectType?(type: SchemaObjectType): void;
  visitAlternateType?(type: SchemaAlternateType): void;
  visitCommand?(command: SchemaCommand): void;
  visitEvent?(event: SchemaEvent): void;
}
