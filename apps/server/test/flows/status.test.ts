import { describe, expect, it } from 'vitest';
import type { ValidationStatus } from '../../src/flows/types.js';
import { IllegalTransition, revise, TRANSITIONS, transition } from '../../src/flows/validation/status.js';
import { AT, validation } from './fixtures.js';

const ALL: ValidationStatus[] = ['new', 'awaiting_2fa', 'completed', 'failed', 'expired'];
const LEGAL = new Set([
  'new>completed',
  'new>awaiting_2fa',
  'new>failed',
  'new>expired',
  'awaiting_2fa>completed',
  'awaiting_2fa>failed',
  'awaiting_2fa>expired',
]);

describe('the validation state machine', () => {
  it('allows exactly the moves of the table and refuses every other', () => {
    const allowed = ALL.flatMap((from) => TRANSITIONS[from].map((to) => `${from}>${to}`));
    expect(new Set(allowed)).toEqual(LEGAL);
    for (const from of ALL)
      for (const to of ALL) {
        const move = () => transition(validation({ status: from }), to);
        if (LEGAL.has(`${from}>${to}`)) expect(move().status).toBe(to);
        else expect(move, `${from} → ${to}`).toThrow(IllegalTransition);
      }
  });

  it('ends the liveness session with the first move out of new', () => {
    expect(transition(validation(), 'completed').sessionStatus).toBe('used');
    expect(transition(validation(), 'failed').sessionStatus).toBe('used');
    expect(transition(validation(), 'expired').sessionStatus).toBe('expired');
    const waiting = validation({ status: 'awaiting_2fa', sessionStatus: 'used' });
    expect(transition(waiting, 'expired').sessionStatus).toBe('used');
  });

  it('revises the version each saved change claims', () => {
    const next = revise(validation({ version: 4 }), AT);
    expect(next).toMatchObject({ version: 5, updatedAt: AT, status: 'new' });
  });
});
