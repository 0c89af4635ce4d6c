// The public face of shared/analysis.
export {
  analyzeLabelMatrix, AnalysisError, countLabelMatrix, summarizeCounts,
  type AnalysisCounts, type AnalysisErrorCode, type LabelMatrixAnalysis, type LfStats,
} from './analyze.ts';
export { LfAnalysisCache } from './column-cache.ts';
