import { FaultlineError } from '../core/errors.js';

/** The store could not do what was asked (locked, refused, bad dump); the CLI turns opening failures into config errors. */
export class StoreError extends FaultlineError {}
