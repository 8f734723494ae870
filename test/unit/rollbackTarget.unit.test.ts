// Unit tests of where a rollback goes by default: the champion the current one replaced when it
// was promoted, so that rollbacks step back through the promotions rather than swing.
import { describe, expect, it } from 'vitest';
import { rollbackTarget, type ChampionMove } from '../../ml/promotion/rollbackTarget.js';

const promoted = (fromVersion: string | null, toVersion: string): ChampionMove => ({
  outcome: 'promoted',
  decidedBy: 'rules',
  fromVersion,
  toVersion,
});
const rolledBack = (fromVersion: string, toVersion: string): ChampionMove => ({
  outcome: 'promoted',
  decidedBy: 'rollback',
  fromVersion,
  toVersion,
});
const rejected = (fromVersion: string | null, toVersion: string): ChampionMove => ({
  outcome: 'rejected',
  decidedBy: 'rules',
  fromVersion,
  toVersion,
});

describe('rollbackTarget', () => {
  const history = [promoted(null, '1'), rejected('1', '2'), promoted('1', '3'), promoted('3', '4')];

  it('goes back to the champion the current one replaced', () => {
    expect(rollbackTarget(history, '4')).toMatchObject({ found: true, version: '3' });
    expect(rollbackTarget(history, '3')).toMatchObject({ found: true, version: '1' });
  });

  it('steps back again after a rollback, instead of returning to where it came from', () => {
    const after = [...history, rolledBack('4', '3')];
    expect(rollbackTarget(after, '3')).toMatchObject({ found: true, version: '1' });
    expect(rollbackTarget([...after, rolledBack('3', '1')], '1')).toEqual({
      found: false,
      why: 'first',
      promotion: promoted(null, '1'),
    });
  });

  it('uses the latest promotion of a version promoted twice', () => {
    const twice = [...history, rolledBack('4', '3'), promoted('3', '4'), promoted('4', '5')];
    expect(rollbackTarget(twice, '5')).toMatchObject({ version: '4' });
    expect(rollbackTarget([...twice, rolledBack('5', '4')], '4')).toMatchObject({ version: '3' });
  });

  it('finds none for a champion no promotion made (set outside Hindsight, or a rollback --to)', () => {
    expect(rollbackTarget([], '2')).toEqual({ found: false, why: 'unrecorded', promotion: null });
    expect(rollbackTarget(history, '2')).toEqual({
      found: false,
      why: 'unrecorded',
      promotion: null,
    });
    expect(rollbackTarget([...history, rolledBack('4', '2')], '2')).toMatchObject({
      found: false,
      why: 'unrecorded',
    });
  });
});
