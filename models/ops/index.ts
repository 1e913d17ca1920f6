// Differentiable image ops with PyTorch semantics, NHWC (see README.md in this folder).
export { gridSample, gridSampleForward, gridSampleBackward, type GridSampleGrads } from './grid-sample.ts';
export { resizeBilinear, resizeBilinearBackward } from './resize-bilinear.ts';
export { resizeNearest, resizeNearestBackward } from './resize-nearest.ts';
export { customOp, type CustomOpResult } from './custom-op.ts';
