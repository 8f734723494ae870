// `make build` runs this after tsc: the workflows bundled once, so workers start without webpack.
import { writeFile } from 'node:fs/promises';
import { bundleOutputPath, bundleWorkflows } from './worker.js';

const { code } = await bundleWorkflows();
await writeFile(bundleOutputPath(), code);
process.stdout.write(`bundled the workflows into ${bundleOutputPath()}\n`);
