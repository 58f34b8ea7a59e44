// The load generator's parts, for the bench and the chaos tests: the same
// shoppers, mix and open loop as `npm run load`.
export { PROFILES, ShopMix, prepareShoppers, type Kind } from './mix.ts';
export { openLoop, type OpenLoopOptions } from './openLoop.ts';
export { ShopClient, sourceAddress, type Answer, type VirtualUser } from './shop.ts';
export { classify, labelOf, type AnswerClass } from './answers.ts';
export { startBusyLoops, type BusyLoops, type BusyLoopOptions } from './busyLoops.ts';
export { percentile, Stats, type Bucket } from './stats.ts';
export { seeded, zipf } from './zipf.ts';
export { flagsOrExit } from './cli.ts';
export { overloadVerdict, verdictOf, type OverloadStep } from './report.ts';
