import {
  type CheckReport,
  type Challenge as EngineChallenge,
  type SequenceAnalysis,
  verifyLiveness,
} from '@faceproof/face-engine';
import { round3 } from '../analysis.js';
import type { ActiveLivenessReport, LivenessChallenge } from '../types.js';

/**
 * The active-liveness judgement of one attempt: the engine's verdict on the frames (every check
 * measured by `verifyLiveness`), as the report the API presents. Nothing here decides besides the
 * engine's checks: the report's `live` is the verdict's.
 */

export type ActiveJudgement =
  | { kind: 'unreadable'; frame: number; reason: string; message: string }
  | {
      kind: 'judged';
      report: ActiveLivenessReport;
      /** The frames' median passive score (0..1, 3 decimals): reported, never deciding. */
      passiveScore: number;
    };

export interface SequenceEvidence {
  challenge: LivenessChallenge;
  sequence: SequenceAnalysis;
  /** Template of the still the request sent (the search's probe). */
  still: Float32Array;
  /** Server clock when the request arrived. */
  receivedAt: number;
  /** The flow's liveness minimum, which the passive scores are reported against. */
  passiveThreshold: number;
}

const finite = (x: number) => (Number.isFinite(x) ? round3(x) : null);

const presentCheck = (c: CheckReport): ActiveLivenessReport['checks'][number] => ({
  name: c.name,
  passed: c.passed,
  value: finite(c.value),
  threshold: Number.isFinite(c.threshold) ? round3(c.threshold) : 0,
  unit: c.unit,
  ...(c.reason ? { reason: c.reason } : {}),
  decides: c.decides,
});

export function judgeSequence(ev: SequenceEvidence): ActiveJudgement {
  const { sequence: seq, challenge: c } = ev;
  if (!seq.ok) return { kind: 'unreadable', frame: seq.frame, reason: seq.reason, message: seq.message };
  const challenge: EngineChallenge = {
    steps: c.steps,
    issuedAt: Date.parse(c.issuedAt),
    expiresAt: Date.parse(c.expiresAt),
  };
  const verdict = verifyLiveness(
    { challenge, frames: seq.frames, receivedAt: ev.receivedAt, still: ev.still },
    { passiveThreshold: ev.passiveThreshold },
  );
  const checks = verdict.checks.map(presentCheck);
  const passive = checks.find((x) => x.name === 'passive')?.value;
  return {
    kind: 'judged',
    report: {
      method: 'active',
      live: verdict.live,
      challenge: c.id,
      steps: c.steps,
      ...(verdict.failedCheck ? { failedCheck: verdict.failedCheck } : {}),
      checks,
    },
    passiveScore: typeof passive === 'number' ? Math.min(1, Math.max(0, passive)) : 0,
  };
}

/** One sentence for people: the first failing deciding check, its value and threshold. */
export function failureMessage(report: ActiveLivenessReport): string {
  const failed = report.checks.find((x) => x.decides && !x.passed);
  if (!failed) return 'Active liveness failed.';
  const value = failed.value === null ? 'not measurable' : `${failed.value} ${failed.unit}`;
  return `${failed.name} failed (${failed.reason ?? 'FAILED'}): ${value}, threshold ${failed.threshold}.`;
}
