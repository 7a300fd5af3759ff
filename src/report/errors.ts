import { FaultlineError } from '../core/errors.js';

/** A report cannot be produced or a baseline cannot be read. */
export class ReportError extends FaultlineError {}
