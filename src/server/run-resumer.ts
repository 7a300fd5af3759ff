/**
 * Continues runs whose gate was approved through the API, in this process, with
 * the code `faultline resume` uses (passed in by the CLI: the server layer does
 * not know how a run reaches OpenStack). One resume per run at a time here; a
 * run another process holds is refused by the ledger's lease, so an approval
 * never makes a step happen twice.
 */
export type ResumeRun = (runId: string) => Promise<void>;

export class RunResumer {
  private readonly going = new Map<string, Promise<void>>();

  constructor(
    private readonly resume: ResumeRun,
    private readonly changed: () => void,
    private readonly log?: (message: string) => void,
  ) {}

  /** Starts resuming the run unless this process already is; says which happened. */
  start(runId: string): 'started' | 'already resuming' {
    if (this.going.has(runId)) return 'already resuming';
    const done = this.resume(runId)
      .catch((err: unknown) => this.log?.(`resuming ${runId} failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.going.delete(runId);
        this.changed();
      });
    this.going.set(runId, done);
    return 'started';
  }

  /** Waits for every resume in progress, for a server that is stopping. */
  async idle(): Promise<void> {
    await Promise.all([...this.going.values()]);
  }
}
