/**
 * Errors that cross process boundaries. Every failure the user can cause is a class named for it,
 * with a stable `code` and structured `details` (STYLE rule 11); across IPC/WebSocket they travel as
 * `{ name, code, message, details }` and are rebuilt on the other side as `RemoteError`.
 */
export class VlcacheError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A request that does not match the Engine API (unknown method, malformed payload). */
export class InvalidRequestError extends VlcacheError {
  constructor(message: string, details?: unknown) {
    super('invalid-request', message, details);
  }
}

/** A model package whose manifest or files do not match the contract; `details.errors` lists all. */
export class ModelPackageError extends VlcacheError {
  constructor(
    dir: string,
    readonly errors: string[],
  ) {
    super(
      'model-package',
      `invalid model package ${dir}: ${errors.length} problem(s): ${errors.join('; ')}`,
      {
        dir,
        errors,
      },
    );
  }
}

/** Work the user cancelled. */
export class CancelledError extends VlcacheError {
  constructor(what: string) {
    super('cancelled', `${what} cancelled`);
  }
}

/** Bad user input that is not a request-shape problem (an unreadable image, an empty prompt, …). */
export class BadInputError extends VlcacheError {
  constructor(message: string, details?: unknown) {
    super('bad-input', message, details);
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  details?: unknown;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof VlcacheError) {
    return { name: err.name, code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof Error) return { name: err.name, code: 'internal', message: err.message };
  return { name: 'Error', code: 'internal', message: String(err) };
}

/** An error that happened on the other side of a transport, with its original name and code. */
export class RemoteError extends VlcacheError {
  readonly remoteName: string;
  constructor(e: SerializedError) {
    super(e.code, e.message, e.details);
    this.remoteName = e.name;
  }
}
