/** Runs async jobs with at most `size` at a time, keeping the order of results. */
export async function inPool<T, R>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<R>, onDone?: (result: R) => void): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index], index)
      onDone?.(results[index])
    }
  }
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker))
  return results
}
