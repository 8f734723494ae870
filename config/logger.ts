import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays for command output. */
export const createLogger = (level: string, name = 'hindsight'): Logger =>
  pino({ name, level }, pino.destination(2));
