// Experiment assignment: the visitor's bucket is a hash of (offer id, visitor id) in [0, 1), as in
// GrowthBook; [0, holdout) is the holdout and the variants share the rest in the order listed.
import type { Offer } from '../../rules/schema';
import { bucketHash } from './hash';

export interface Assignment {
  bucket: number;
  holdout: boolean;
  variant?: NonNullable<Offer['variants']>[number];
}

export function assign(offer: Offer, vid: string): Assignment {
  if (offer.holdout === 0 && !offer.variants) return { bucket: 0, holdout: false };
  const bucket = bucketHash(offer.id, vid);
  if (bucket < offer.holdout) return { bucket, holdout: true };
  if (!offer.variants) return { bucket, holdout: false };
  let upper = offer.holdout;
  for (const variant of offer.variants) {
    upper += variant.weight;
    if (bucket < upper) return { bucket, holdout: false, variant };
  }
  // Shares add up to 1 (checked at load), so only rounding lands here: use the last variant.
  return { bucket, holdout: false, variant: offer.variants.at(-1) };
}
