/**
 * Database sizes: compute per database, from a development size up. In Kubernetes they become the
 * container's requests and limits and the engine's worker threads; locally, guru-engine's memory
 * limit and threads (kept small: one machine runs them all).
 */
export const SIZES = {
  dev: { cpu: "500m", memory: "1Gi", threads: 1, localMemoryMb: 256 },
  small: { cpu: "2", memory: "8Gi", threads: 2, localMemoryMb: 512 },
  medium: { cpu: "4", memory: "16Gi", threads: 4, localMemoryMb: 1024 },
  large: { cpu: "8", memory: "64Gi", threads: 8, localMemoryMb: 2048 },
  xlarge: { cpu: "16", memory: "128Gi", threads: 16, localMemoryMb: 4096 },
} as const;

export type SizeName = keyof typeof SIZES;
export const SIZE_NAMES = Object.keys(SIZES) as [SizeName, ...SizeName[]];
