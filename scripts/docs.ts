// `make docs` (npx tsx scripts/docs.ts): rewrites the generated parts of README.md and docs/ —
// the configuration table from config/env.ts, the benchmark figures from bench/results.json —
// and formats each page as `make lint` wants it. test/unit/docs.unit.test.ts compares.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { projectRoot } from '../config/paths.js';
import { benchmarkTable, benchResults, headlineTable } from './docs/benchmarkTables.js';
import { configurationTable } from './docs/configurationTable.js';
import { replaceGeneratedBlock } from './docs/generatedBlock.js';

export interface GeneratedPage {
  /** Relative to the repository's root. */
  file: string;
  text: string;
}

/** Which block of which page is made from what. */
const blocksOf = (benchJson: string): Record<string, Record<string, string>> => {
  const results = benchResults(benchJson);
  return {
    'README.md': { bench: headlineTable(results) },
    'docs/configuration.md': { configuration: configurationTable() },
    'docs/benchmarks.md': { bench: benchmarkTable(results) },
  };
};

/** The pages as `make docs` would write them. */
export const generatedDocs = async (root: string): Promise<GeneratedPage[]> => {
  const blocks = blocksOf(await readFile(path.join(root, 'bench', 'results.json'), 'utf8'));
  return Promise.all(
    Object.entries(blocks).map(async ([file, contents]) => {
      const filepath = path.join(root, file);
      let text = await readFile(filepath, 'utf8');
      for (const [name, content] of Object.entries(contents)) {
        text = replaceGeneratedBlock(text, name, content);
      }
      const options = await prettier.resolveConfig(filepath);
      return { file, text: await prettier.format(text, { ...options, filepath }) };
    }),
  );
};

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  for (const page of await generatedDocs(projectRoot)) {
    await writeFile(path.join(projectRoot, page.file), page.text);
    console.log(`wrote ${page.file}`);
  }
}
