/** `take_rate_tokens(bucket, wanted, per_hour)`: tokens granted (0..wanted) from a bucket refilled at per_hour. */
export type TakeTokens = (bucket: string, wanted: number, perHour: number) => Promise<number>;

/** The WhatsApp send budget per client: the lower of the platform limit and the admin's own setting. */
export function sendBudgetPerHour(platformPerHour: number, adminPerHour: number | null | undefined): number {
  return Math.max(1, Math.min(platformPerHour, adminPerHour ?? platformPerHour));
}

/** Takes up to `wanted` send tokens for a client; returns how many sends may happen now. */
export async function takeSendTokens(takeTokens: TakeTokens, clientId: string, wanted: number, perHour: number): Promise<number> {
  if (wanted <= 0) return 0;
  const granted = await takeTokens(`send:${clientId}`, wanted, perHour);
  return Math.max(0, Math.min(wanted, Math.floor(granted)));
}
