import type { AnyDetector } from '../define.js';
import serverError from './server-error.js';

/**
 * Every detector faultline ships, in documentation order. A parity test checks
 * that each file under rules/ is listed here and has a docs page.
 */
export const detectors = [serverError] as const satisfies readonly AnyDetector[];

export type DetectorId = (typeof detectors)[number]['id'];
