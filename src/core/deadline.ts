/**
 * A signal that aborts when `parent` does or after `ms`, whichever comes first.
 *
 * Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 the timeout
 * signal inside such a composite is only weakly held, and under GC pressure (a
 * collection holding gigabytes of lists) it can be collected before it fires, so a
 * request to a server that never answers waits forever (nodejs/node#57736). Here
 * the timer itself holds the controller, and `clear()` releases both once the work
 * is done.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and unhooks from the parent; call it when the guarded work ends. */
  clear(): void;
}

export function deadline(parent: AbortSignal | undefined, ms: number): Deadline {
  const controller = new AbortController();
  const onParent = (): void => controller.abort(parent?.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError')), ms);
  // A deadline never keeps the process alive on its own.
  timer.unref();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
