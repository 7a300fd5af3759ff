/**
 * The sections of a fleet snapshot. Collectors declare which they produce and
 * detectors which they need; a detector whose section was not collected is
 * `skipped`, never `pass`.
 */
export const DATA_KEYS = [
  'regions',
  'servers',
  'hypervisors',
  'computeServices',
  'networkAgents',
  'instanceActions',
  'probes',
  'hostFacts',
  'disks',
  'consoleLogs',
  'alarms',
  'inventory',
  'kubernetes',
  'prometheus',
  'history',
] as const;
export type DataKey = (typeof DATA_KEYS)[number];

export function isDataKey(value: string): value is DataKey {
  return (DATA_KEYS as readonly string[]).includes(value);
}
