import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays for command output. */
export const createLogger = (level: string, name = 'hindsight'): Logger =>
  pino({ name, level }, pino.destination(2));

/** For commands that talk to a person on stdout: routine info logs stay out of their way. */
export const createQuietLogger = (level: string): Logger =>
  createLogger(level === 'info' ? 'warn' : level);
