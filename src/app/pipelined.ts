// Runs `work` over `inputs` with at most `window` calls in flight (requests to one server: the
// round trips overlap instead of adding up). The first failure stops new calls and is thrown.
export async function pipelinedMap<T, R>(
  inputs: readonly T[],
  window: number,
  work: (input: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < inputs.length) {
      const index = next++;
      try {
        results[index] = await work(inputs[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(window, inputs.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

export async function pipelined<T>(
  inputs: readonly T[],
  window: number,
  work: (input: T) => Promise<void>,
): Promise<void> {
  await pipelinedMap(inputs, window, work);
}
