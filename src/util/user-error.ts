/**
 * A mistake in what the user gave — a command line, a config, an environment setting, a run folder, a data
 * file — as opposed to a bug in simgan. The CLI prints its message as one `simgan: …` line and exits with
 * status 2, no stack trace; the message names the bad input and what would fix it. Anything else that
 * reaches the CLI is a bug and is printed with its stack and a request to report it.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad command line (unknown option, missing value, wrong argument count). */
export class UsageError extends UserError {}
