// The gRPC server's listening socket, held here rather than by grpc-js so that every connection
// is known. At the end of the shutdown grace grpc-js closes each HTTP/2 session gracefully before
// destroying it, and Node then ends the socket gracefully too: a client that stopped reading
// (a paused Subscribe) keeps the connection, and the process, alive for as long as it likes.
// Destroying the sockets themselves ends them at once.
import net from 'node:net';
import type { Server, ServerCredentials } from '@grpc/grpc-js';

export interface GrpcListener {
  port: number;
  /** Refuses new connections; those open stay. */
  stopAccepting(): void;
  /** Destroys every open connection, whatever its calls are doing. */
  destroyConnections(): void;
}

export const listen = async (
  server: Server,
  credentials: ServerCredentials,
  host: string,
  port: number,
): Promise<GrpcListener> => {
  const injector = server.createConnectionInjector(credentials);
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    injector.injectConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host.replace(/^\[(.*)\]$/, '$1'), () => {
      listener.off('error', reject);
      resolve();
    });
  });
  // Once listening, an error is one failed accept (e.g. out of file descriptors): that client
  // retries, the server goes on.
  listener.on('error', () => undefined);
  return {
    port: (listener.address() as net.AddressInfo).port,
    stopAccepting: () => listener.close(),
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
      injector.destroy();
    },
  };
};
