// A poison event never wedges a view: an event the upcasters could not read, or one the reducer
// throws on, is quarantined and the view goes on with the next. The reducer's state stays as
// `apply` left it (a reducer that checks its input before it mutates leaves it untouched), so a
// run over the same log quarantines the same events and computes the same rows. A view that
// breaks its contract (a `FeatureViewError` from the emitter: a feature of the wrong type, an
// entity observed twice, a label not 0 or 1) is a bug in its code, not in one event: that throws.
import type { QuarantinedEventRecord } from '../eventstore/index.js';
import { FeatureViewError } from './errors.js';
import {
  applyFailure,
  positionOf,
  type FeatureEmitter,
  type FeatureView,
  type LogEvent,
} from './featureView.js';

export type { QuarantinedEventRecord } from '../eventstore/index.js';

export const quarantineRecord = (
  event: LogEvent,
  stage: QuarantinedEventRecord['stage'],
  reason: string,
): QuarantinedEventRecord => ({
  eventId: event.eventId,
  streamId: event.streamId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  position: positionOf(event),
  stage,
  reason,
});

/** Applies the event to the state; returns its quarantine record when the view cannot take it. */
export const applyOrQuarantine = <State>(
  view: Pick<FeatureView<State>, 'name' | 'apply'>,
  state: State,
  event: LogEvent,
  emit: FeatureEmitter,
): QuarantinedEventRecord | null => {
  if (event.upcastError !== undefined) return quarantineRecord(event, 'upcast', event.upcastError);
  try {
    view.apply(state, event, emit);
    return null;
  } catch (error) {
    if (error instanceof FeatureViewError) throw error;
    return quarantineRecord(event, 'apply', applyFailure(view, event, error).message);
  }
};
