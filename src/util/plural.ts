// Counts in messages: "1 file", "2 files", "1 capability", "3 capabilities".

/** `n word`, with the plural form when n is not 1 (`many` defaults to word + "s"). */
export function count(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
