// Stored payloads as people read them (console, CLI). JSON tools recurse, so a payload nested
// deeper than any append accepts (stored before the limit existed) would overflow the stack of
// whoever shows it: it is replaced by a marker saying why.
import { nestingBeyond } from './validation.js';

/** Deeper than the highest HINDSIGHT_MAX_JSON_DEPTH: not shown. */
export const MAX_SHOWN_DEPTH = 1000;

export interface PayloadNotShown {
  $notShown: string;
}

/** The payload as it is, or a marker when it nests too deeply to serialize safely. */
export const shownPayload = (value: unknown): unknown =>
  nestingBeyond(value, MAX_SHOWN_DEPTH) === null
    ? value
    : ({
        $notShown: `nested more than ${MAX_SHOWN_DEPTH} levels deep: too deep to show (stored before appends were limited to HINDSIGHT_MAX_JSON_DEPTH)`,
      } satisfies PayloadNotShown);

/** JSON text as shown: parsed (text that is not JSON stays text), then as above. */
export const shownPayloadOfText = (text: string): unknown => {
  try {
    return shownPayload(JSON.parse(text) as unknown);
  } catch {
    return text;
  }
};
