// Client clocks are often minutes or hours off. The batch says when the client sent it (`sent_at`,
// on the client's clock); the gap to our receive time corrects every event in that batch.
export function correctedTime(clientTs: number, sentAt: number, receivedAt: number): number {
  const corrected = clientTs + (receivedAt - sentAt);
  // An event cannot have happened after we received it, whatever the client's clock says.
  return Math.min(Math.max(corrected, 0), receivedAt);
}
