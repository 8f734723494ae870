// Finds, in a FileDescriptorSet as `buf build` wrote it, the file that defines a name, and
// keeps each file's bytes exactly as they came: reflection serves them unchanged.
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  FileDescriptorProtoSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';

export interface DescriptorIndex {
  /** Every file's name, in the order of the set. */
  fileNames(): string[];
  /** The file, then those it imports (transitively) that are not in `sent`; adds them to it. */
  fileWithImports(name: string, sent: Set<string>): Buffer[] | undefined;
  /** The file that defines a message, field, enum, enum value, service, method or extension. */
  fileDefining(symbol: string): string | undefined;
  fileExtending(messageName: string, fieldNumber: number): string | undefined;
  /** The field numbers of the message's extensions; undefined for an unknown message. */
  extensionNumbers(messageName: string): number[] | undefined;
  hasService(name: string): boolean;
}

/** Each FileDescriptorProto of the set (field 1), as a view on the set's own bytes. */
const fileBytesOf = (set: Uint8Array): Buffer[] => {
  const files: Buffer[] = [];
  const reader = new BinaryReader(set);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number !== 1 || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const bytes = reader.bytes();
    files.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return files;
};

interface FileNames {
  symbols: string[];
  messages: string[];
  services: string[];
  extensions: FieldDescriptorProto[];
}

/** The full names a file defines (enum values in their enum's scope, as protobuf has them). */
const namesIn = (file: FileDescriptorProto): FileNames => {
  const names: FileNames = { symbols: [], messages: [], services: [], extensions: [] };
  const addEnum = (scope: string, type: EnumDescriptorProto): void => {
    names.symbols.push(scope + type.name, ...type.value.map((value) => scope + value.name));
  };
  const addExtensions = (scope: string, extensions: FieldDescriptorProto[]): void => {
    names.symbols.push(...extensions.map((extension) => scope + extension.name));
    names.extensions.push(...extensions);
  };
  const addMessage = (scope: string, type: DescriptorProto): void => {
    const name = scope + type.name;
    names.messages.push(name);
    names.symbols.push(name, ...[...type.field, ...type.oneofDecl].map((f) => `${name}.${f.name}`));
    type.nestedType.forEach((nested) => addMessage(`${name}.`, nested));
    type.enumType.forEach((nested) => addEnum(`${name}.`, nested));
    addExtensions(`${name}.`, type.extension);
  };
  const scope = file.package ? `${file.package}.` : '';
  file.messageType.forEach((type) => addMessage(scope, type));
  file.enumType.forEach((type) => addEnum(scope, type));
  addExtensions(scope, file.extension);
  for (const service of file.service) {
    const name = scope + service.name;
    names.services.push(name);
    names.symbols.push(name, ...service.method.map((method) => `${name}.${method.name}`));
  }
  return names;
};

const withoutLeadingDot = (name: string): string => name.replace(/^\./, '');
const extensionKey = (messageName: string, fieldNumber: number): string =>
  `${withoutLeadingDot(messageName)}#${fieldNumber}`;

export const indexDescriptorSet = (set: Uint8Array): DescriptorIndex => {
  const bytesByFile = new Map<string, Buffer>();
  const importsByFile = new Map<string, string[]>();
  const fileBySymbol = new Map<string, string>();
  const fileByExtension = new Map<string, string>();
  const extensionNumbers = new Map<string, number[]>();
  const services = new Set<string>();
  for (const bytes of fileBytesOf(set)) {
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    bytesByFile.set(file.name, bytes);
    importsByFile.set(file.name, file.dependency);
    const names = namesIn(file);
    for (const symbol of names.symbols) fileBySymbol.set(symbol, file.name);
    for (const message of names.messages)
      if (!extensionNumbers.has(message)) extensionNumbers.set(message, []);
    for (const extension of names.extensions) {
      fileByExtension.set(extensionKey(extension.extendee, extension.number), file.name);
      const extendee = withoutLeadingDot(extension.extendee);
      extensionNumbers.set(extendee, [...(extensionNumbers.get(extendee) ?? []), extension.number]);
    }
    names.services.forEach((service) => services.add(service));
  }
  return {
    fileNames: () => [...bytesByFile.keys()],
    // Like grpc-go: the file itself always, breadth first its imports not yet sent.
    fileWithImports: (name, sent) => {
      if (!bytesByFile.has(name)) return undefined;
      const answer: Buffer[] = [];
      const queue = [name];
      const seen = new Set(queue);
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const bytes = bytesByFile.get(next);
        if (bytes && (answer.length === 0 || !sent.has(next))) {
          answer.push(bytes);
          sent.add(next);
        }
        for (const imported of importsByFile.get(next) ?? [])
          if (!seen.has(imported)) {
            seen.add(imported);
            queue.push(imported);
          }
      }
      return answer;
    },
    fileDefining: (symbol) => fileBySymbol.get(withoutLeadingDot(symbol)),
    fileExtending: (messageName, fieldNumber) =>
      fileByExtension.get(extensionKey(messageName, fieldNumber)),
    extensionNumbers: (messageName) => extensionNumbers.get(withoutLeadingDot(messageName)),
    hasService: (name) => services.has(name),
  };
};
