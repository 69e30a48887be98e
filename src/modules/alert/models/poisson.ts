/**
 * The upper tail of the Poisson distribution, P(X ≥ k) for X ~ Poisson(λ), as log10 so that very small
 * probabilities (10⁻³⁰⁰ and below) neither underflow to 0 nor lose their digits to 1 − CDF.
 *
 *   P(X = i) = e^(−λ) λ^i / i!
 *   k ≤ λ:  P(X ≥ k) = 1 − Σ_{i<k} P(X = i)  (the lower sum is the short one, and the tail is not small)
 *   k > λ:  P(X ≥ k) = P(X = k) · (1 + λ/(k+1) + λ²/((k+1)(k+2)) + …), terms summed until negligible;
 *           log P(X = k) = −λ + k ln λ − ln k!  (ln k! as a sum of logarithms).
 */
export function poissonTailLog10(k: number, lambda: number): number {
  if (k <= 0) return 0;
  if (lambda <= 0) return Number.NEGATIVE_INFINITY;
  if (k <= lambda) {
    // ln P(X = 0) = −λ; each next term multiplies by λ / i. In log space so that a large λ cannot underflow.
    let logTerm = -lambda;
    let lower = Math.exp(logTerm);
    for (let i = 1; i < k; i++) {
      logTerm += Math.log(lambda / i);
      lower += Math.exp(logTerm);
    }
    return Math.log10(Math.max(Number.MIN_VALUE, 1 - lower));
  }
  let logFact = 0;
  for (let i = 2; i <= k; i++) logFact += Math.log(i);
  const logTermK = -lambda + k * Math.log(lambda) - logFact;
  let ratio = 1;
  let sum = 1;
  for (let i = k + 1; i < k + 10_000; i++) {
    ratio *= lambda / i;
    sum += ratio;
    if (ratio < sum * 1e-17) break;
  }
  return Math.min(0, (logTermK + Math.log(sum)) / Math.LN10);
}

/** P(X ≥ k) for X ~ Poisson(λ). */
export const poissonUpperTail = (k: number, lambda: number) => 10 ** poissonTailLog10(k, lambda);
