/**
 * Libraries log through this interface and never print; the CLI decides where
 * lines go (stderr, a file) and passes them through the redactor first.
 */
export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
