// Figure (k) in a real browser: Debian's Chromium driven by playwright-core, from navigating to
// a console page until its first row (or component) is visible: the shell, the bundle, /api/meta
// and the page's JSON, then the rendering. Skipped, with a note, without Chromium.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { BrowserType } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = 30_000;

export interface BrowserPage {
  name: string;
  /** The hash route, e.g. `#/workflows`. */
  hash: string;
  /** What shows once the page has loaded. */
  selector: string;
}

export interface Browser {
  /** Navigates from a blank page to the route; ms until the selector is visible. */
  load(page: BrowserPage): Promise<number>;
  close(): Promise<void>;
}

/** Chromium on a blank page; null (and why, printed) when it cannot run here. */
export const openBrowser = async (url: string): Promise<Browser | null> => {
  if (!existsSync(CHROMIUM)) {
    console.log(`  browser: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
    return null;
  }
  let chromium: BrowserType;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    console.log(`  browser: skipped, playwright-core is missing (${(error as Error).message})`);
    return null;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  tab.on('pageerror', (error) => console.error(`  browser: page error: ${error.message}`));
  return {
    load: async ({ hash, selector }) => {
      await tab.goto('about:blank');
      const start = performance.now();
      await tab.goto(`${url}/${hash}`);
      await tab.locator(selector).first().waitFor({ state: 'visible', timeout: TIMEOUT_MS });
      return performance.now() - start;
    },
    close: () => browser.close(),
  };
};
