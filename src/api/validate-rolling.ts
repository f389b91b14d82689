/** Rolling-update rules, shared by the cluster and its groups. */

import type { FieldProblem } from '../errors.js';
import type { ResolvedRollingUpdate } from './rolling.js';
import { isZero, parsePercent } from './rolling.js';

export function rollingUpdateProblems(
  ru: ResolvedRollingUpdate,
  at: (...path: string[]) => string,
  controlPlane = false,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['maxSurge', 'maxUnavailable'] as const) {
    const v = ru[field];
    if (typeof v === 'string' && (parsePercent(v) ?? 0) > 100) {
      problems.push({ path: at(field), value: v, message: 'is more than 100%', fix: 'use a percentage from 0% to 100%' });
    }
  }
  if (controlPlane && !isZero(ru.maxSurge)) {
    problems.push({ path: at('maxSurge'), value: ru.maxSurge, message: 'control-plane groups cannot surge: a new instance cannot take over an etcd member before the old one is gone', fix: 'set maxSurge to 0 (or remove it) and use maxUnavailable' });
  } else if (isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
    problems.push({ path: at(), value: ru, message: 'maxSurge and maxUnavailable are both 0, so a rolling update could never replace an instance', fix: 'set maxSurge or maxUnavailable to at least 1' });
  }
  return problems;
}
