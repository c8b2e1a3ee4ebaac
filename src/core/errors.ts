// Errors the core raises on purpose. Each carries a message written for the person or model
// that caused it: what went wrong and what to do instead.

/** Base class: an error the caller can act on (bad input, unknown id), not a bug. */
export class BackgroundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UnknownJobError extends BackgroundError {
  constructor(readonly jobId: string) {
    super(`No background process with id "${jobId}". Call listBackgroundProcesses to see the ids that exist.`);
  }
}

export class InvalidInputError extends BackgroundError {}

/** create() could not start the job; its half-made folder was removed, so no job exists. */
export class JobStartError extends BackgroundError {}

/** An error's message, or the thrown value as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
