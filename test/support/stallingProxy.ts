// An HTTP proxy in front of a real server that holds, unanswered, the requests a test picks:
// a process talking through it is then stuck at a known call, for as long as the test likes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallingProxy {
  url: string;
  /** Resolves when the first request that `stall` picked arrives (it is held, not answered). */
  stalled: Promise<string>;
  close(): Promise<void>;
}

export const startStallingProxy = async (
  target: string,
  stall: (method: string, path: string) => boolean,
): Promise<StallingProxy> => {
  let announce: (path: string) => void = () => undefined;
  const stalled = new Promise<string>((resolve) => (announce = resolve));
  const server = http.createServer((request, response) => {
    const path = request.url ?? '/';
    if (stall(request.method ?? 'GET', path)) {
      announce(path);
      return; // held until the caller dies or the proxy closes
    }
    const upstream = http.request(
      new URL(path, target),
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stalled,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
