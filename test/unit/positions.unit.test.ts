// Unit tests of the global log's order.
import { describe, expect, it } from 'vitest';
import { START, comparePositions, type Position } from '../../eventstore/types.js';

const p = (transactionId: number, globalPosition: number): Position => ({
  transactionId,
  globalPosition,
});

describe('comparePositions', () => {
  it('is zero for equal positions', () => {
    expect(comparePositions(p(5, 3), p(5, 3))).toBe(0);
    expect(comparePositions(START, p(0, 0))).toBe(0);
  });

  it('orders by transaction id first', () => {
    expect(comparePositions(p(1, 100), p(2, 1))).toBeLessThan(0);
    expect(comparePositions(p(2, 1), p(1, 100))).toBeGreaterThan(0);
  });

  it('orders by global position within a transaction', () => {
    expect(comparePositions(p(7, 1), p(7, 2))).toBeLessThan(0);
    expect(comparePositions(p(7, 2), p(7, 1))).toBeGreaterThan(0);
  });

  it('puts START before everything else', () => {
    for (const other of [p(0, 1), p(1, 0), p(1, 1), p(Number.MAX_SAFE_INTEGER, 0)]) {
      expect(comparePositions(START, other)).toBeLessThan(0);
      expect(comparePositions(other, START)).toBeGreaterThan(0);
    }
  });

  it('sorts positions into log order', () => {
    const sorted = [p(0, 0), p(1, 0), p(1, 4), p(1, 9), p(2, 2), p(10, 1), p(10, 3), p(11, 0)];
    const shuffled = [p(10, 1), p(0, 0), p(11, 0), p(1, 4), p(10, 3), p(1, 0), p(2, 2), p(1, 9)];
    expect(shuffled.sort(comparePositions)).toEqual(sorted);
  });

  it('is antisymmetric', () => {
    const all = [p(0, 0), p(0, 5), p(3, 0), p(3, 1), p(4, 0)];
    for (const a of all) {
      for (const b of all) {
        expect(Math.sign(comparePositions(a, b)) + Math.sign(comparePositions(b, a))).toBe(0);
      }
    }
  });

  it('leaves START frozen', () => {
    expect(Object.isFrozen(START)).toBe(true);
    expect(START).toEqual(p(0, 0));
  });
});
