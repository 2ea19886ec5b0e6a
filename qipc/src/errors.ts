/**
 * Errors shared by the server, the client and their users. Other parts (guru-engine, the API)
 * import these exact names, so they are part of the library's public surface.
 */

/**
 * Thrown by a server handler to answer the request with the q error `'word`, as kdb+'s `'word`
 * signal does. Any other error thrown by a handler becomes a generic word, so that internal
 * details never reach a client.
 */
export class QFail extends Error {
  readonly word: string;

  constructor(word: string, options?: ErrorOptions) {
    super(word, options);
    this.name = "QFail";
    this.word = word;
  }
}

/** A q error reply (`'word`) received by the client; `word` is the text without the quote. */
export class QRemoteError extends Error {
  readonly word: string;

  constructor(word: string) {
    super(`'${word}`);
    this.name = "QRemoteError";
    this.word = word;
  }
}

/**
 * The connection could not be opened (refused, authentication rejected, connect timeout) or was
 * lost while requests were pending. A pending request failed this way may or may not have run.
 */
export class QConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QConnectionError";
  }
}

/**
 * A request was sent but no reply came before its deadline. Whether it ran is unknown; the
 * client destroyed the connection, since a late reply would be matched to the next request.
 */
export class QTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QTimeoutError";
  }
}
