// The one scan for non-finite numbers that the weight checks share (loading and training alike).

/** The index of the first NaN or ±∞ element, or −1 when every element is finite. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
