export function workerdCpuMs(): number;
export function untilIdle(quietSeconds: number): Promise<number>;
export function median(list: number[]): number;
