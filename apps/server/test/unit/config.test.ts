import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('the test-only fixed challenge (FACEPROOF_TEST_CHALLENGE_STEPS)', () => {
  it('is refused at start unless NODE_ENV is test, so production cannot enable it', () => {
    const steps = { FACEPROOF_TEST_CHALLENGE_STEPS: 'look_down,turn_right' };
    expect(() => loadConfig(steps)).toThrow(ConfigError);
    expect(() => loadConfig({ ...steps, NODE_ENV: 'production' })).toThrow(/NODE_ENV=test/);
    expect(loadConfig({ ...steps, NODE_ENV: 'test' }).FACEPROOF_TEST_CHALLENGE_STEPS).toEqual([
      'look_down',
      'turn_right',
    ]);
  });

  it('is empty by default, and takes only the steps the spec lists, at most three', () => {
    expect(loadConfig({}).FACEPROOF_TEST_CHALLENGE_STEPS).toEqual([]);
    expect(() => loadConfig({ NODE_ENV: 'test', FACEPROOF_TEST_CHALLENGE_STEPS: 'blink' })).toThrow(
      ConfigError,
    );
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        FACEPROOF_TEST_CHALLENGE_STEPS: 'turn_left,look_up,turn_right,look_down',
      }),
    ).toThrow(ConfigError);
  });
});
