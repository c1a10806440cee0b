/**
 * Confidence bounds for the error rates the evaluations report: with a few hundred attacks and a dozen
 * genuine sequences, the count alone says little, so each rate is reported with how high it could be.
 */

/** P(X ≤ x) for X ~ Binomial(n, p), summed in log space (n in the thousands, p near 0 or 1). */
function binomialCdf(x: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return x >= n ? 1 : 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logTerm = n * logQ;
  let sum = Math.exp(logTerm);
  for (let k = 0; k < Math.min(x, n); k++) {
    logTerm += Math.log((n - k) / (k + 1)) + logP - logQ;
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/**
 * Exact (Clopper-Pearson) one-sided upper bound of a rate seen `x` times in `n` trials, at `confidence`:
 * the largest rate under which seeing x or fewer still has probability 1 − confidence. With x = 0 it is
 * 1 − (1 − confidence)^(1/n), about 3/n at 95 % (the rule of three).
 */
export function upperBound(x: number, n: number, confidence = 0.95): number {
  if (n <= 0) return 1;
  if (x >= n) return 1;
  const alpha = 1 - confidence;
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(x, n, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}
