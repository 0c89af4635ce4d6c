// Public surface of the ONNX writer: models as data, their protobuf encoding, and the label-model graphs.
export { ELEMENT_TYPES, encodeModel } from './model.ts';
export type { Attribute, ElementType, Graph, GraphNode, OnnxModel, Tensor, TensorData, ValueInfo } from './model.ts';
export { labelModelGraph, labelModelToOnnx, LabelModelExportError, PROBABILITIES_OUTPUT, VOTES_INPUT } from './label-model.ts';
export type { LabelModelExport } from './label-model.ts';
export type { LabelModelParameters } from '../schema/label-model.ts';
export { linearClassifierToOnnx } from './linear-classifier.ts';
export type { LinearClassifier } from './linear-classifier.ts';
export { checkModelLf, evaluateModelLf, isModelLfError, loadOnnxModel, ModelLfError } from './model-lf.ts';
// A model LF's config is an LF definition, defined with the others.
export { ModelLfConfig } from '../schema/labeling-function.ts';
export type { LoadedModel, ModelLfErrorCode, ModelLfSpec, OnnxRuntime, TensorInfo } from './model-lf.ts';
