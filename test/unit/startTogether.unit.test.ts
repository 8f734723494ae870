import { describe, expect, it } from 'vitest';
import { stopOthersIfAnyFailed } from '../../stack/startTogether.js';

const service = (log: string[], name: string) => ({
  stop: () => {
    log.push(`stopped ${name}`);
    return Promise.resolve();
  },
});

describe('stopOthersIfAnyFailed', () => {
  it('does nothing when every service started', async () => {
    const log: string[] = [];
    await stopOthersIfAnyFailed([
      Promise.resolve(service(log, 'a')),
      Promise.resolve(service(log, 'b')),
    ]);
    expect(log).toEqual([]);
  });

  it('stops the services that started and rethrows the failure', async () => {
    const log: string[] = [];
    const failure = new Error('mlflow did not start');
    await expect(
      stopOthersIfAnyFailed([
        Promise.resolve(service(log, 'postgres')),
        Promise.reject(failure),
        Promise.resolve(service(log, 'temporal')),
      ]),
    ).rejects.toBe(failure);
    expect(log.sort()).toEqual(['stopped postgres', 'stopped temporal']);
  });
});
