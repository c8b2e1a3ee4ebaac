// The CLI's own failures and its exit codes: 0 ok, 1 something failed, 2 it was called wrongly.

/** Exit codes a script can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Bad arguments or options: reported with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure already worded for the person at the shell: printed as is, exit code 1. */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliFailure";
  }
}
