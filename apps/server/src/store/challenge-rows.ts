import type { LivenessChallenge } from '../flows/types.js';
import { optStr, type Row, str } from './rows.js';
import type { Arg } from './sql-store.js';

/** The SQL of liveness challenges (migration 008), the same in both dialects. */

export const COUNT_CHALLENGES = 'SELECT COUNT(*) AS issued FROM liveness_challenges WHERE subject_id = ?';
export const CLOSE_OPEN_CHALLENGES =
  'UPDATE liveness_challenges SET closed_at = ? WHERE subject_id = ? AND closed_at IS NULL';
export const CLOSE_CHALLENGE =
  'UPDATE liveness_challenges SET closed_at = ? WHERE id = ? AND closed_at IS NULL';
export const INSERT_CHALLENGE = `INSERT INTO liveness_challenges
  (id, subject_kind, subject_id, session_id, attempt, steps, issued_at, expires_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

export const challengeArgs = (c: LivenessChallenge): Arg[] => [
  c.id,
  c.subjectKind,
  c.subjectId,
  c.sessionId ?? null,
  c.attempt,
  JSON.stringify(c.steps),
  c.issuedAt,
  c.expiresAt,
];

export function toChallenge(r: Row): LivenessChallenge {
  return {
    id: str(r.id),
    subjectKind: r.subject_kind as LivenessChallenge['subjectKind'],
    subjectId: str(r.subject_id),
    sessionId: optStr(r.session_id),
    attempt: Number(r.attempt),
    steps: JSON.parse(str(r.steps)),
    issuedAt: str(r.issued_at),
    expiresAt: str(r.expires_at),
    closedAt: optStr(r.closed_at),
  };
}
