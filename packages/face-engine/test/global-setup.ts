import { ensureFixtures } from '../dist/fixtures.js';

export default async function setup(): Promise<void> {
  await ensureFixtures();
}
