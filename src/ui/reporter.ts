// How the layers below the CLI tell the user what is happening, without knowing about the
// terminal: notices and warnings (stderr), verbose steps (-v), progress (TTY only).
export interface Progress {
  tick(count?: number): void;
  done(): void;
}

export interface Reporter {
  notice(message: string): void;
  warn(message: string): void;
  verbose(message: string): void;
  progress(label: string, total: number): Progress;
}

export const silentReporter: Reporter = {
  notice: () => undefined,
  warn: () => undefined,
  verbose: () => undefined,
  progress: () => ({ tick: () => undefined, done: () => undefined }),
};
