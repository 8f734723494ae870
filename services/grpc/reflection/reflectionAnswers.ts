// What grpc.reflection answers to each request of one stream, from the descriptor index.
import { status } from '@grpc/grpc-js';
import type {
  ServerReflectionRequest,
  ServerReflectionResponse,
} from '../../../gen/grpc/reflection/v1/reflection.js';
import type { DescriptorIndex } from './descriptorIndex.js';

type Answer = ServerReflectionResponse['messageResponse'];

const refusal = (code: status, errorMessage: string): Answer => ({
  $case: 'errorResponse',
  errorResponse: { errorCode: code, errorMessage },
});

const files = (fileDescriptorProto: Buffer[] | undefined, notFound: string): Answer =>
  fileDescriptorProto
    ? { $case: 'fileDescriptorResponse', fileDescriptorResponse: { fileDescriptorProto } }
    : refusal(status.NOT_FOUND, notFound);

/**
 * Answers the requests of one reflection stream. A file goes with the files it imports that
 * this stream has not sent yet, so a client can rebuild every type it uses.
 */
export const reflectionAnswers = (
  index: DescriptorIndex,
  services: readonly string[],
): ((request: ServerReflectionRequest) => ServerReflectionResponse) => {
  const sent = new Set<string>();
  const withImports = (file: string | undefined): Buffer[] | undefined =>
    file === undefined ? undefined : index.fileWithImports(file, sent);
  const answer = (request: ServerReflectionRequest['messageRequest']): Answer => {
    switch (request?.$case) {
      case 'fileByFilename': {
        const name = request.fileByFilename;
        return files(withImports(name), `file not found: ${name}`);
      }
      case 'fileContainingSymbol': {
        const symbol = request.fileContainingSymbol;
        return files(withImports(index.fileDefining(symbol)), `symbol not found: ${symbol}`);
      }
      case 'fileContainingExtension': {
        const { containingType, extensionNumber } = request.fileContainingExtension;
        return files(
          withImports(index.fileExtending(containingType, extensionNumber)),
          `extension not found: ${extensionNumber} of ${containingType}`,
        );
      }
      case 'allExtensionNumbersOfType': {
        const baseTypeName = request.allExtensionNumbersOfType;
        const extensionNumber = index.extensionNumbers(baseTypeName);
        return extensionNumber
          ? {
              $case: 'allExtensionNumbersResponse',
              allExtensionNumbersResponse: { baseTypeName, extensionNumber },
            }
          : refusal(status.NOT_FOUND, `message type not found: ${baseTypeName}`);
      }
      case 'listServices':
        return {
          $case: 'listServicesResponse',
          listServicesResponse: { service: services.map((name) => ({ name })) },
        };
      case undefined:
        return refusal(status.INVALID_ARGUMENT, 'the request asks for nothing');
    }
  };
  return (request) => ({
    validHost: request.host,
    originalRequest: request,
    messageResponse: answer(request.messageRequest),
  });
};
