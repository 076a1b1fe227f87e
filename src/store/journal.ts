// An append-only journal for a resumable batch: a header (written atomically) naming the id
// chosen for every line before anything is sent, then one record per acknowledged line,
// appended and fsynced in small groups. After a kill, lines without a record are sent again
// under the same id, which replaces rather than duplicates the item on the server.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { OxpsError } from '../errors.js';
import { writeFileAtomic } from './atomicFile.js';

export interface JournalHeader {
  version: 1;
  service: string;
  node: string;
  ids: string[];
  created: string;
  /** Started with --sign: every line is signed (absent in journals of unsigned batches). */
  sign?: boolean;
}

/** What a batch reads and records: the journal file, or its in-memory stand-in (MemoryJournal). */
export interface BatchJournal {
  /** Where it is kept, for messages and the batch's result. */
  readonly path: string;
  readonly header: JournalHeader;
  readonly done: Set<number>;
  markDone(index: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A journal that lives as long as its owner (a library account opened without a profile): a
 * batch interrupted (AbortSignal, lost connection) resumes within the same process, not after it.
 */
export class MemoryJournal implements BatchJournal {
  readonly done = new Set<number>();

  constructor(
    readonly path: string,
    readonly header: JournalHeader,
  ) {}

  markDone(index: number): void {
    this.done.add(index);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class Journal implements BatchJournal {
  private buffer: number[] = [];
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly header: JournalHeader,
    readonly done: Set<number>,
    private readonly handle: FileHandle,
  ) {}

  /** Opens the journal at `path`, or starts one with `fresh()` when there is none. */
  static async open(path: string, fresh: () => JournalHeader): Promise<Journal> {
    let header: JournalHeader;
    const done = new Set<number>();
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) {
      header = fresh();
      await writeFileAtomic(path, `${JSON.stringify(header)}\n`);
    } else {
      const [first, ...records] = text.split('\n');
      try {
        header = JSON.parse(first!) as JournalHeader;
      } catch {
        throw new OxpsError(
          'STATE_CORRUPT',
          `the batch journal ${path} is unreadable`,
          `remove it to start the batch afresh (items already published would be published again): rm ${path}`,
        );
      }
      // a record cut short by a crash is simply not counted
      for (const record of records) if (/^\d+$/.test(record)) done.add(Number(record));
    }
    return new Journal(path, header, done, await open(path, 'a', 0o600));
  }

  /** Records that line `index` is on the server; durable after the next flush. */
  markDone(index: number): void {
    this.done.add(index);
    this.buffer.push(index);
    if (this.buffer.length >= 64) void this.flush();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const lines = this.buffer.map((i) => `${i}\n`).join('');
      this.buffer = [];
      await this.handle.write(lines);
      await this.handle.datasync();
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}
