// A min-heap of timed events: the generator simulates each work order as a whole and releases
// events in time order, holding only the events of orders still in progress.
import { createMinHeap, type MinHeap } from '../ml/minHeap.js';

export interface Timed {
  at: number;
  /** Emission order: breaks ties between events at the same time. */
  seq: number;
}

export type EventQueue<T extends Timed> = MinHeap<T>;

const before = (a: Timed, b: Timed): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export const createEventQueue = <T extends Timed>(): EventQueue<T> => createMinHeap<T>(before);
