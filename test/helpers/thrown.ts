// What a call throws, for tests that go on to check the error's fields (code, message, hint).
import { expect } from 'vitest';

type ErrorClass<E> = abstract new (...args: never[]) => E;

/** What `action` throws, which must be an instance of `type`; fails when it returns instead. */
export function thrown<E>(type: ErrorClass<E>, action: () => unknown): E {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name} to be thrown, but the call returned`);
}

/** What `action` (sync or async) throws or rejects with, which must be an instance of `type`. */
export async function rejected<E>(type: ErrorClass<E>, action: () => unknown): Promise<E> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name} to be thrown, but the call returned`);
}
