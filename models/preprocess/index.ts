// Offline preprocessing for try-on (issue "Preprocessing offline"): person analysis (keypoints and a
// person mask from local MoveNet + BlazePose graph models), automatic agnostic masks per garment
// category, DensePose inputs (imported or approximated), garment clean-up, and output quality checks.
// See README.md in this folder; model provenance and licences in MODELS.md.
export { loadPoseModels } from './pose_models.ts';
export type { LoadPoseModelsOptions, PoseModels } from './pose_models.ts';
export { POSE_MODELS_MANIFEST, PoseModelFileError, poseModelsDir } from './model_files.ts';
export { ANALYSIS_MAX_SIDE, KEYPOINT_THRESHOLD, POSE_FLAG_THRESHOLD, analysePerson } from './analyse_person.ts';
export type { AnalysisTimings, PersonAnalysis, PersonFound, PersonNotFound } from './analyse_person.ts';
export { BLAZEPOSE_NAMES, COCO_NAMES, landmark } from './keypoints.ts';
export type { CocoName, Landmark, LandmarkName, Point } from './keypoints.ts';
export { DEFAULT_AGNOSTIC_PARAMS, GARMENT_CATEGORIES, WORKING_CANVAS, agnosticMask } from './agnostic_mask.ts';
export type { AgnosticMaskParams, AgnosticMaskResult, GarmentCategory, RectMorph } from './agnostic_mask.ts';
export { resizeMask } from './resize_mask.ts';
export { DENSEPOSE_LAYOUTS, denseposePngText, fitDenseposeToCanvas, renderDensepose, resizeDensepose } from './densepose_map.ts';
export type { DenseposeLayout, DenseposeMap } from './densepose_map.ts';
export { DenseposeImportError, IMPORT_TOLERANCE, detectLayout, importDensepose } from './densepose_import.ts';
export type { DenseposeImport } from './densepose_import.ts';
export { approximateDensepose } from './densepose_approx.ts';
export type { ApproximateDenseposeOptions } from './densepose_approx.ts';
export { DENSEPOSE_PART_NAMES, partIndex } from './densepose_parts.ts';
export { PARULA_LUT, partColour } from './parula.ts';
export { GARMENT_CHECKS, GarmentError, cleanGarment, cleanGarmentFile } from './garment_cleanup.ts';
export type { CleanGarment, CleanGarmentOptions, GarmentWarning, GarmentWarningCode } from './garment_cleanup.ts';
export { alphaBox, layoutGarment, squareAround } from './garment_layout.ts';
export { QUALITY_THRESHOLDS, garmentColourCheck, oldGarmentLeakCheck, outsideChangeCheck } from './quality_checks.ts';
export type { CheckResult, Verdict } from './quality_checks.ts';
export { deltaE2000, deltaE76, medianLab, srgbToLab } from './colour.ts';
export type { Lab } from './colour.ts';
