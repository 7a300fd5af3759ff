/**
 * The lab's notion of "now". In `real` mode it follows the wall clock (real clients
 * compare token expiry with their own clock, so a frozen clock would look expired);
 * in `manual` mode it only moves when a test calls advance(). Either way advance()
 * jumps ahead, so tests expire tokens and finish transitions without sleeping.
 */
export class LabClock {
  private offset = 0;
  private readonly frozenAt: number | null;

  constructor(options: { mode?: 'real' | 'manual'; start?: number } = {}) {
    const mode = options.mode ?? 'real';
    if (mode === 'manual') this.frozenAt = options.start ?? Date.now();
    else {
      this.frozenAt = null;
      if (options.start !== undefined) this.offset = options.start - Date.now();
    }
  }

  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offset;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`the lab clock only moves forward, got ${ms}`);
    this.offset += ms;
  }
}
