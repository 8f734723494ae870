// The docs cannot drift: the parts `make docs` generates (the configuration table from
// config/env.ts, the benchmark figures from bench/results.json) are what the generator makes
// now, and every relative link of README.md and docs/ reaches a file and, if it names one, a
// heading.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../config/paths.js';
import { configSchema } from '../../config/env.js';
import { generatedDocs } from '../../scripts/docs.js';
import { anchorsOf, brokenLinks, headingAnchor } from '../../scripts/docs/markdownLinks.js';

const pages = [
  'README.md',
  ...readdirSync(path.join(projectRoot, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];

describe('the generated docs', () => {
  it('are what `make docs` writes from config/env.ts and bench/results.json', async () => {
    for (const page of await generatedDocs(projectRoot)) {
      const committed = readFileSync(path.join(projectRoot, page.file), 'utf8');
      expect(committed, `${page.file} is stale: run make docs`).toBe(page.text);
    }
  });

  it('list every variable config/env.ts declares', () => {
    const configuration = readFileSync(path.join(projectRoot, 'docs/configuration.md'), 'utf8');
    for (const name of Object.keys(configSchema.shape)) {
      expect(configuration).toContain(`| \`${name}\``);
    }
  });
});

describe('the links of README.md and docs/', () => {
  it('each reach an existing file and heading', () => {
    expect(brokenLinks(projectRoot, pages)).toEqual([]);
  });

  it('find headings as GitHub names them', () => {
    expect(headingAnchor('Production with docker-compose')).toBe('production-with-docker-compose');
    expect(headingAnchor('Training, evaluation, promotion')).toBe('training-evaluation-promotion');
    expect(headingAnchor('The `hindsight` CLI')).toBe('the-hindsight-cli');
    expect([...anchorsOf('# A\n\n```sh\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
  });
});
