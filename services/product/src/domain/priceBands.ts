/**
 * Price facets in major units (<25, 25-50, 50-100, 100-250, 250+). Each band
 * carries its bounds in minor units, both inclusive, so a client can pass them
 * back as minPrice/maxPrice to filter on the band.
 */
export interface PriceBand {
  key: string;
  minMinor: number;
  /** Inclusive; undefined for the open top band. */
  maxMinor: number | undefined;
}

/** Bands for a currency with two decimals (every currency the generator uses). */
export const PRICE_BANDS: readonly PriceBand[] = [
  { key: '<25', minMinor: 0, maxMinor: 2499 },
  { key: '25-50', minMinor: 2500, maxMinor: 4999 },
  { key: '50-100', minMinor: 5000, maxMinor: 9999 },
  { key: '100-250', minMinor: 10000, maxMinor: 24999 },
  { key: '250+', minMinor: 25000, maxMinor: undefined },
];

export function priceBandOf(priceMinor: number): PriceBand {
  return (
    PRICE_BANDS.find(
      (band) => priceMinor >= band.minMinor && (band.maxMinor === undefined || priceMinor <= band.maxMinor),
    ) ?? PRICE_BANDS[0]!
  );
}
