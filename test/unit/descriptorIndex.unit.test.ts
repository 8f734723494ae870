// The index reflection answers from: which file defines a name, and a file with the imports a
// stream has not sent yet, each file's bytes exactly as in the set.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { indexDescriptorSet } from '../../services/grpc/reflection/descriptorIndex.js';

const file = (init: Parameters<typeof create<typeof FileDescriptorProtoSchema>>[1]) =>
  create(FileDescriptorProtoSchema, { syntax: 'proto3', ...init });

const base = file({ name: 'a/base.proto', package: 'a', messageType: [{ name: 'Base' }] });
const middle = file({
  name: 'a/middle.proto',
  package: 'a',
  dependency: ['a/base.proto'],
  messageType: [
    {
      name: 'Order',
      field: [{ name: 'order_id', number: 1, type: FieldDescriptorProto_Type.STRING }],
      nestedType: [{ name: 'Line', extensionRange: [{ start: 100, end: 200 }] }],
      enumType: [{ name: 'State', value: [{ name: 'STATE_OPEN', number: 0 }] }],
    },
  ],
});
const top = file({
  name: 'b/top.proto',
  package: 'b.v1',
  dependency: ['a/middle.proto', 'a/base.proto'],
  service: [{ name: 'Orders', method: [{ name: 'Place', inputType: '.a.Order' }] }],
  extension: [
    {
      name: 'note',
      number: 150,
      extendee: '.a.Order.Line',
      label: FieldDescriptorProto_Label.OPTIONAL,
      type: FieldDescriptorProto_Type.STRING,
    },
  ],
});

const bytesOf = (proto: FileDescriptorProto): Buffer =>
  Buffer.from(toBinary(FileDescriptorProtoSchema, proto));
const set = toBinary(
  FileDescriptorSetSchema,
  create(FileDescriptorSetSchema, { file: [base, middle, top] }),
);
const index = indexDescriptorSet(set);

describe('the descriptor index', () => {
  it('finds the file of messages, fields, nested types, enum values, services and methods', () => {
    expect(index.fileNames()).toEqual(['a/base.proto', 'a/middle.proto', 'b/top.proto']);
    expect(index.fileDefining('a.Order')).toBe('a/middle.proto');
    expect(index.fileDefining('.a.Order.order_id')).toBe('a/middle.proto');
    expect(index.fileDefining('a.Order.Line')).toBe('a/middle.proto');
    // Enum values are named in their enum's scope, as protobuf has them.
    expect(index.fileDefining('a.Order.STATE_OPEN')).toBe('a/middle.proto');
    expect(index.fileDefining('b.v1.Orders.Place')).toBe('b/top.proto');
    expect(index.fileDefining('b.v1.note')).toBe('b/top.proto');
    expect(index.fileDefining('a.Nothing')).toBeUndefined();
    expect(index.hasService('b.v1.Orders')).toBe(true);
    expect(index.hasService('a.Order')).toBe(false);
  });

  it('sends a file first, then the imports this stream has not had, byte for byte', () => {
    const sent = new Set<string>();
    expect(index.fileWithImports('a/middle.proto', sent)).toEqual([bytesOf(middle), bytesOf(base)]);
    expect(index.fileWithImports('b/top.proto', sent)).toEqual([bytesOf(top)]);
    // The file asked for comes again; only its imports are left out.
    expect(index.fileWithImports('a/base.proto', sent)).toEqual([bytesOf(base)]);
    expect(index.fileWithImports('c/none.proto', sent)).toBeUndefined();
  });

  it('knows the extensions of a message, and none of an unknown one', () => {
    expect(index.fileExtending('a.Order.Line', 150)).toBe('b/top.proto');
    expect(index.fileExtending('.a.Order.Line', 151)).toBeUndefined();
    expect(index.extensionNumbers('a.Order.Line')).toEqual([150]);
    expect(index.extensionNumbers('a.Base')).toEqual([]);
    expect(index.extensionNumbers('a.Nothing')).toBeUndefined();
  });
});
