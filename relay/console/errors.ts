/** A request the console cannot carry out: the UI shows the message as it is. */
export class ConsoleError extends Error {
  override name = 'ConsoleError';
}
