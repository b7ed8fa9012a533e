export { clusterchaos, isCheckedRun, parseDuration, type CheckedRun, type TransitionAssertion } from './chai.js';
export { experiment, storedRun, type ExperimentOptions, type ExperimentRunner } from './mocha.js';
export { displayState } from './states.js';
export { formatViolation } from './format.js';
