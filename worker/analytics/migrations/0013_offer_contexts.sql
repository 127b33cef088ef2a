-- The context a visitor was in when first shown an offer (the offer's `learn_by`, e.g.
-- "stage=lead|segments=homeowner", worker/engine/context-rates.ts), so offer-rates.ts learns a rate
-- per context as well as overall. NULL on rows from before, which count toward the overall rate only.
ALTER TABLE offer_visitors ADD COLUMN context TEXT;
