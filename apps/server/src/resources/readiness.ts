/** What /readyz looks at. */
export interface ReadinessState {
  closing: boolean;
  engineReady: boolean;
  /** Whether the database answered a ping; only asked when the rest is ready. */
  databaseAnswers: () => Promise<boolean>;
}

/** Why this instance should be out of a load balancer's rotation now, or undefined when ready. */
export async function notReadyBecause(s: ReadinessState): Promise<string | undefined> {
  if (s.closing) return 'The server is shutting down.';
  if (!s.engineReady) return 'The face engine is still loading its models.';
  if (!(await s.databaseAnswers())) return 'The database does not answer.';
  return undefined;
}
