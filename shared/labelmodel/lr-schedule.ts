// Snorkel 0.10's learning-rate schedules (LabelModel._set_lr_scheduler / _update_lr_scheduler), replayed as the
// list of rates each epoch's optimizer step uses. torch's schedulers act on the optimizer's one param group, so
// their quirks are part of the behaviour and are reproduced here:
// - constructing a LambdaLR sets lr = base_lr · λ(0) at once: a warmup starts at 0, and a linear scheduler
//   constructed after it puts the rate straight back to base_lr for the first epoch;
// - ExponentialLR and StepLR are chainable: they multiply whatever rate the group holds (the warmup's included);
// - after each epoch the warmup steps while epoch < warmup_steps, otherwise the scheduler steps and min_lr clamps.
import { LabelModelError } from './matrix.ts';

export type LrSchedulerName = 'constant' | 'linear' | 'exponential' | 'step';
export const LR_SCHEDULERS: readonly LrSchedulerName[] = ['constant', 'linear', 'exponential', 'step'];

/** Snorkel's LRSchedulerConfig, with its defaults; warmup is in epochs, the only unit LabelModel supports. */
export interface LrScheduleConfig {
  warmupSteps?: number;
  warmupPercentage?: number;
  minLr?: number;
  /** ExponentialLR's gamma; default 0.9. */
  exponentialGamma?: number;
  /** StepLR's step_size and gamma; defaults 5 and 0.1. */
  stepSize?: number;
  stepGamma?: number;
}

/** The learning rate of each of the `nEpochs` optimizer steps. */
export function learningRates(nEpochs: number, lr: number, scheduler: LrSchedulerName = 'constant', config: LrScheduleConfig = {}): Float64Array {
  if (!LR_SCHEDULERS.includes(scheduler)) {
    throw new LabelModelError('BAD_PARAMS', `Unrecognized lr scheduler option '${scheduler}'; use ${LR_SCHEDULERS.join(', ')}`);
  }
  const warmup = warmupEpochs(nEpochs, config);
  const gamma = config.exponentialGamma ?? 0.9;
  const stepSize = config.stepSize ?? 5;
  const stepGamma = config.stepGamma ?? 0.1;
  const minLr = config.minLr ?? 0;
  if (!(Number.isInteger(stepSize) && stepSize > 0)) throw new LabelModelError('BAD_PARAMS', `step_size must be a positive integer, got ${stepSize}`);
  if (scheduler === 'linear' && nEpochs > 0 && nEpochs === warmup) {
    throw new LabelModelError('BAD_PARAMS', 'a linear lr schedule needs more epochs than warmup epochs');
  }

  const linear = (x: number) => lr * ((nEpochs - warmup - x) / (nEpochs - warmup));
  let current = lr;
  if (warmup > 0) current = 0;
  if (scheduler === 'linear') current = linear(0);
  let warmupStep = 0;
  let schedulerStep = 0;
  const rates = new Float64Array(nEpochs);
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    rates[epoch] = current;
    if (warmup > 0 && epoch < warmup) {
      warmupStep++;
      current = (lr * warmupStep) / warmup;
    } else if (scheduler !== 'constant') {
      schedulerStep++;
      if (scheduler === 'linear') current = linear(schedulerStep);
      else if (scheduler === 'exponential') current *= gamma;
      else if (schedulerStep % stepSize === 0) current *= stepGamma;
      if (minLr && current < minLr) current = minLr;
    }
  }
  return rates;
}

function warmupEpochs(nEpochs: number, { warmupSteps, warmupPercentage }: LrScheduleConfig): number {
  if (warmupSteps) {
    if (!(Number.isInteger(warmupSteps) && warmupSteps > 0)) throw new LabelModelError('BAD_PARAMS', `warmup_steps must be a positive integer (epochs), got ${warmupSteps}`);
    return warmupSteps;
  }
  if (warmupPercentage) {
    if (!(warmupPercentage > 0 && warmupPercentage <= 1)) throw new LabelModelError('BAD_PARAMS', `warmup_percentage must be in (0, 1], got ${warmupPercentage}`);
    const steps = Math.floor(warmupPercentage * nEpochs);
    // Snorkel would divide by zero here.
    if (steps === 0) throw new LabelModelError('BAD_PARAMS', `warmup_percentage ${warmupPercentage} of ${nEpochs} epochs is no epoch at all`);
    return steps;
  }
  return 0;
}
