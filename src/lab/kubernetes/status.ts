/**
 * A request the lab's Kubernetes API refuses, and the Status object it answers
 * with: the reads and the writes of a lab cluster fail the same way, as the
 * real API server's do, so a client's error handling sees one shape.
 */
type Obj = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }
}

export function failureStatus(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}
