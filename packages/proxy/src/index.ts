export { HOP_BY_HOP, forwardable, appendForwardedFor } from './headers.ts';
export { WHOLE_BODY_LIMIT, relayed, sendRelayed, type Relayed, type UpstreamAnswer } from './relay.ts';
export { writeProblem, rawProblem, upstreamFailure } from './problems.ts';
export { criticalityOf } from './criticality.ts';
