// The client example of docs/grpc-api.md is examples/client/orders.ts word for word, so the
// type checker and the linter see what a reader copies.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../../config/paths.js';

it('docs/grpc-api.md shows examples/client/orders.ts, word for word', async () => {
  const [page, example] = await Promise.all([
    readFile(path.join(projectRoot, 'docs', 'grpc-api.md'), 'utf8'),
    readFile(path.join(projectRoot, 'examples', 'client', 'orders.ts'), 'utf8'),
  ]);
  expect(page).toContain(`\`\`\`ts\n${example}\`\`\``);
});
