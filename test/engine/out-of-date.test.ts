/** The one rule for whether a machine is out of date, and why (get instances and rolling-update). */

import { describe, expect, it } from 'vitest';
import { outOfDate } from '../../cloudup/rolling/out-of-date.js';

describe('out of date', () => {
  it('is a machine launched from another template version or template than its group launches', () => {
    expect(outOfDate({ state: 'running', launchedFrom: 1, groupLaunches: 2 })).toEqual({ needsUpdate: true, reason: 'template version 1 (group at 2)' });
    expect(outOfDate({ state: 'RUNNING', launchedFrom: 'nodes-a1', groupLaunches: 'nodes-b2' })).toEqual({ needsUpdate: true, reason: 'template nodes-a1 (group at nodes-b2)' });
    expect(outOfDate({ state: 'running', launchedFrom: 2, groupLaunches: 2 })).toEqual({ needsUpdate: false });
  });

  it('is a machine whose node runs an older configuration, when its template is current', () => {
    expect(outOfDate({ state: 'running', launchedFrom: 2, groupLaunches: 2, configOutdated: true })).toEqual({ needsUpdate: true, reason: 'config hash' });
    expect(outOfDate({ state: 'pending', launchedFrom: 1, groupLaunches: 2, configOutdated: true }).reason).toBe('template version 1 (group at 2)');
  });

  it('is never a machine that is going away, nor one whose versions the cloud does not say', () => {
    for (const state of ['stopping', 'terminated', 'shutting-down', 'STOPPING', 'TERMINATED']) {
      expect(outOfDate({ state, launchedFrom: 1, groupLaunches: 2, configOutdated: true }).needsUpdate).toBe(false);
    }
    expect(outOfDate({ state: 'running', launchedFrom: undefined, groupLaunches: 2 }).needsUpdate).toBe(false);
    expect(outOfDate({ state: 'running', launchedFrom: 'a', groupLaunches: '' }).needsUpdate).toBe(false);
  });
});
