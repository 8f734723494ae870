// A binary min-heap of timed events: the generator simulates each work order as a whole and
// releases events in time order, holding only the events of orders still in progress.

export interface Timed {
  at: number;
  /** Emission order: breaks ties between events at the same time. */
  seq: number;
}

export interface EventQueue<T extends Timed> {
  push(item: T): void;
  /** The earliest item, left in the queue. */
  peek(): T | undefined;
  pop(): T | undefined;
  readonly size: number;
}

const before = (a: Timed, b: Timed): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export const createEventQueue = <T extends Timed>(): EventQueue<T> => {
  const heap: T[] = [];
  const swap = (i: number, j: number): void => {
    const a = heap[i] as T;
    heap[i] = heap[j] as T;
    heap[j] = a;
  };
  const up = (start: number): void => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as T, heap[parent] as T)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left] as T, heap[least] as T)) least = left;
      if (right < heap.length && before(heap[right] as T, heap[least] as T)) least = right;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  return {
    push: (item) => {
      heap.push(item);
      up(heap.length - 1);
    },
    peek: () => heap[0],
    pop: () => {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length > 0 && last !== undefined) {
        heap[0] = last;
        down(0);
      }
      return top;
    },
    get size() {
      return heap.length;
    },
  };
};
