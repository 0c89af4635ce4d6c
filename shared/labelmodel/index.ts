// Public surface of the label-model core: statistics that merge, models that fit from them, predictions.
//
// Browser worker (one matrix):   stats = computeSufficientStats(L, n, m, k); fit = fitLabelModel(stats, request)
// Server run (many partitions):  each partition job computes its statistics, they are folded with mergeStats,
//                                the model is fitted once, then every partition is predicted on its own,
//                                probsToPreds(..., { rowOffset }) keeping the hash tie-break global.
// Both give the same numbers for the same seed: the fit sees only the summed statistics.
export { ABSTAIN, allocateLabels, checkGoldLabels, checkLabelMatrix, isLabelModelError, LabelModelError } from './matrix.ts';
export type { LabelArray, LabelMatrix, LabelModelErrorCode } from './matrix.ts';
export { computeSufficientStats, lfCoverages, mergeStats, statsFromJSON, statsToJSON } from './stats.ts';
export type { StatsOptions, SufficientStats, SufficientStatsJSON } from './stats.ts';
export { majorityVoteProbs } from './majority.ts';
export { classBalanceFromLabels, fitSnorkel, OPTIMIZERS, snorkelWeights } from './snorkel.ts';
export type { OptimizerName, SnorkelModel, SnorkelOptions, SnorkelParams } from './snorkel.ts';
export { learningRates, LR_SCHEDULERS } from './lr-schedule.ts';
export type { LrScheduleConfig, LrSchedulerName } from './lr-schedule.ts';
export { fitDawidSkene } from './dawid-skene.ts';
export type { DawidSkeneModel, DawidSkeneOptions } from './dawid-skene.ts';
export { fitFlyingSquid } from './flying-squid.ts';
export type { FlyingSquidModel, FlyingSquidOptions, TripletAggregate } from './flying-squid.ts';
export { predictLogLinear } from './loglinear.ts';
export type { LogLinearModel } from './loglinear.ts';
export { fitModel, MODEL_CHOICES, MODEL_KINDS } from './models.ts';
export type { FittedLabelModel, ModelChoice, ModelKind, ModelSpec } from './models.ts';
export { devSplit, fitLabelModel, parametersOf, predictorOf, statsOptionsFor } from './fit.ts';
export type { FitExtras, FitRequest, LabelModelFit } from './fit.ts';
export { mergeCounts, serializeCounts } from './vote-counts.ts';
export type { SerializedCounts } from './vote-counts.ts';
export { autoCandidates, chooseCandidate, DEFAULT_AUTO_METRIC, fitAuto, NO_DEV_DEFAULT, pickBest, summarizeCandidates, WIN_RATE_NEEDED } from './auto.ts';
export type { CandidateSummary } from './auto.ts';
export { bootstrapWinRates } from './paired-bootstrap.ts';
export type { AutoOptions, AutoResult, CandidateReport, DevSplit } from './auto.ts';
export { probsToPreds, TIE_POLICIES } from './predictions.ts';
export type { TieOptions, TiePolicy } from './predictions.ts';
export { confidenceHistogram, confidences } from './confidence.ts';
export { METRIC_NAMES, metricValue, oneClassWarning, scoreConfusion, scorePredictions } from './metrics.ts';
export type { AbstainedPredictions, MetricName, Scores } from './metrics.ts';
export { addResultLabelCounts, countResultLabels, labelDistribution, resultLabels, votesPerRow } from './result-labels.ts';
export type { ResultLabelCounts } from './result-labels.ts';
