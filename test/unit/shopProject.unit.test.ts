// The own-project example of the README and docs/projects.md, examples/shop, as its author
// would test it: it loads, its view gives rows for a toy order log, and the test kit's leakage
// oracle and future canary pass.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../runtime/project.js';
import { projectRoot } from '../../config/paths.js';
import { checkFutureCanary, checkLeakage, viewRows, type TestEvent } from '../../sdk/testing.js';

const DAY = 86_400_000;
const shopDir = path.join(projectRoot, 'examples', 'shop');
/** Six customers, 80 orders over 160 days; some stop ordering. */
const orders: TestEvent[] = Array.from({ length: 80 }, (_, i) => ({
  streamId: `customer-${(i * 7) % (i < 60 ? 6 : 3)}`,
  type: 'OrderPlaced',
  data: { amount: 5 + ((i * 31) % 70) },
  occurredAt: Date.UTC(2026, 0, 1) + i * 2 * DAY,
}));

describe('examples/shop', () => {
  it.each(['README.md', 'docs/projects.md'])(
    'is the example of %s, word for word',
    async (page) => {
      const [text, config] = await Promise.all([
        readFile(path.join(projectRoot, page), 'utf8'),
        readFile(path.join(shopDir, 'hindsight.config.ts'), 'utf8'),
      ]);
      expect(text).toContain(`\`\`\`ts\n${config}\`\`\``);
    },
  );

  it('loads, and its view passes the leakage oracle and the future canary', async () => {
    const shop = await loadProject(shopDir);
    expect(shop.name).toBe('shop');
    const [view] = shop.views;
    if (!view) throw new Error('no view');
    const rows = viewRows(view, orders);
    expect(rows).toHaveLength(80);
    // Customers 3–5 stop ordering after day 120: their last observations mature unlabelled → 0.
    expect(rows.filter((r) => r.label === 0).length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.label === 1).length).toBeGreaterThan(40);
    expect(checkLeakage(view, orders).observations).toBe(80);
    const canary = checkFutureCanary(view, orders, {
      canaries: (trigger) => [
        {
          streamId: trigger.streamId,
          type: 'OrderPlaced',
          data: { amount: 1e6 },
          occurredAt: trigger.occurredAt,
        },
      ],
    });
    expect(canary.reachedLater).toBeGreaterThan(0);
  });
});
