// The pure decision engine: no I/O, `now` always passed in; the worker, the CLI and tests share it.
export { loadRules, type CompiledRules, type RulesResult } from './rules';
export { newVisitor, type VisitorState } from './state';
export { applyEvent } from './apply';
export { decide, whyUnfilled } from './decide';
export type { ReasonScope } from './arbitration';
export type { RequestContext } from './context';
export type { ObservedRates } from './propensity';
export { explainProfile } from './explain';
export { noFacts, type EventFacts } from './customer';
