// Part of the API contract (preload/contract.ts, which re-exports it): Explain: flows and attention of a
// result.
// Types only.

// ---- explain (main/services/explain-service.ts) ---------------------------------------------------

/** An attention layer of the generative UNet and its token map (rows × columns) at the result's canvas. */
export interface ExplainLayer {
  name: string;
  h: number;
  w: number;
}

export interface ExplainLayers {
  resultId: number;
  layers: ExplainLayer[];
  /** A mid-resolution layer, used when explain:run names none. */
  defaultLayer: string;
  /** The result's sampling steps; steps are 0-based, the default is the last (steps - 1). */
  steps: number;
  defaultStep: number;
  /** (layer, step) pairs already explained and stored: opening them is instant. */
  explained: { layer: string; step: number }[];
}

/** A stored explanation: images as blob hashes (load them with blobs:url), in the result's canvas frame. */
export interface Explanation {
  resultId: number;
  layer: string;
  step: number;
  steps: number;
  timestep: number;
  /** Softmax temperature of the flow and of inspected rows (2, as the Leffa loss). */
  temperature: number;
  /** Token map of the layer (the flow image is tokenW × tokenH) and its attention heads. */
  tokenH: number;
  tokenW: number;
  heads: number;
  /** Canvas size of the result, garment and warped images. */
  width: number;
  height: number;
  /** Colour-wheel flow (hue = direction, saturation = length; full saturation = half the canvas). */
  flowImageHash: string;
  /** The garment warped by the upsampled flow. */
  warpedHash: string;
  /** The re-sampled result and the garment, on the model's canvas. */
  resultHash: string;
  garmentHash: string;
  /** The colour-wheel legend. */
  legendHash: string;
  backend: string;
  runMs: number | null;
  createdAt: number;
}

/** explain:run's answer: a stored explanation at once, or a run started on the engine (watch `explain:progress`). */
export type ExplainRunResponse =
  | { status: 'done'; explanation: Explanation }
  | { status: 'started'; resultId: number; layer: string; step: number };

/** The attention of one result pixel over the garment: head-mean weights over the reference tokens. */
export interface ExplainHeatmap {
  resultId: number;
  layer: string;
  step: number;
  /** The clicked pixel (canvas coordinates) and its token. */
  x: number;
  y: number;
  token: { row: number; col: number };
  /** Token map; `weights` is h·w values, row-major, summing to 1. */
  h: number;
  w: number;
  weights: number[];
  max: number;
  /** Where the flow says this token looks, in canvas pixels. */
  flowTarget: { x: number; y: number };
}

export interface ExplainProgressEvent {
  resultId: number;
  layer: string;
  step: number;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** Sampling steps done of `steps` while running. */
  done: number;
  steps: number;
  etaMs: number | null;
  error?: string;
}
