// A binary min-heap: the demo's event queue (events in time order) and a feature run's
// observations waiting to mature (soonest first) both take the least item first.

export interface MinHeap<T> {
  push(item: T): void;
  /** The least item, left in the heap. */
  peek(): T | undefined;
  pop(): T | undefined;
  readonly size: number;
}

/** `before(a, b)`: whether `a` comes out before `b`. */
export const createMinHeap = <T>(before: (a: T, b: T) => boolean): MinHeap<T> => {
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
