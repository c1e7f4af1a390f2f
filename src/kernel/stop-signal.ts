// What a background loop (the worker's jobs) needs to stop promptly: a flag its loops test, and
// sleeps that end at once when it is raised, so a stopping worker never waits out a backoff.
export class StopSignal {
  private raised = false;
  private readonly sleepers = new Set<() => void>();

  get stopped(): boolean {
    return this.raised;
  }

  /** Ends every sleep now; later sleeps return at once. */
  raise(): void {
    this.raised = true;
    for (const wake of [...this.sleepers]) wake();
  }

  /** Resolves after ms, or as soon as the signal is raised. */
  sleep(ms: number): Promise<void> {
    if (this.raised) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
