// grpc.reflection v1 and v1alpha (grpcurl and buf curl use either), answering from the
// descriptors `buf build` made of proto/.
import type { Server, ServerDuplexStream } from '@grpc/grpc-js';
import {
  ServerReflectionService,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '../../../gen/grpc/reflection/v1/reflection.js';
import { ServerReflectionService as ServerReflectionV1AlphaService } from '../../../gen/grpc/reflection/v1alpha/reflection.js';
import type { DescriptorIndex } from './descriptorIndex.js';
import { reflectionAnswers } from './reflectionAnswers.js';

export const reflectionServices = [
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/**
 * Adds reflection to the server. `services` are those it lists (reflection's own added); each
 * must be in the descriptors, which an out-of-date gen/ would not be.
 */
export const addReflection = (
  server: Server,
  index: DescriptorIndex,
  services: readonly string[],
): void => {
  const listed = [...services, ...reflectionServices];
  const missing = listed.filter((service) => !index.hasService(service));
  if (missing.length > 0)
    throw new Error(`the reflection descriptors lack ${missing.join(', ')}: run make gen`);
  const implementation = {
    serverReflectionInfo: (
      call: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>,
    ): void => {
      const answer = reflectionAnswers(index, listed);
      call.on('data', (request: ServerReflectionRequest) => call.write(answer(request)));
      call.on('end', () => call.end());
    },
  };
  server.addService(ServerReflectionService, implementation);
  server.addService(ServerReflectionV1AlphaService, implementation);
};
