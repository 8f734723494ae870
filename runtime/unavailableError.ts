// A service the composition needs is not reachable: the CLI exits 69 (EX_UNAVAILABLE) on it.
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}
