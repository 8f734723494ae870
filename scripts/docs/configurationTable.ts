// docs/configuration.md's table, from the variables config/env.ts declares: name, default (or
// what applies when unset) and description, in the order they are declared.
import { configSchema } from '../../config/env.js';
import { markdownTable } from './markdownTable.js';

const shownDefault = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? `\`${value}\`` : '—';

export const configurationTable = (): string =>
  markdownTable(
    ['variable', 'default', 'meaning'],
    Object.entries(configSchema.shape).map(([name, schema]) => {
      const meta = schema.meta();
      if (!meta?.description) throw new Error(`config/env.ts: ${name} has no description`);
      const unset = typeof meta.unset === 'string' ? meta.unset : undefined;
      const parsed = schema.safeParse(undefined);
      const fallback = parsed.success ? shownDefault(parsed.data) : '—';
      return [`\`${name}\``, unset ?? fallback, meta.description];
    }),
  );
